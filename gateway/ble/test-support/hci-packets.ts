/**
 * H4 HCI packets as a controller sends them (Core Spec v5.3 Vol 4 Part E §5.4.4 event packet,
 * §7.7.14 Command Complete, §7.7.65.2 LE Advertising Report), for the fake sockets and radios.
 */

export const HCI_EVENT_PKT = 0x04;
export const EVT_CMD_COMPLETE = 0x0e;
export const EVT_LE_META = 0x3e;
export const LE_ADVERTISING_REPORT = 0x02;

/** Opcodes (OGF << 10 | OCF) the libraries send; names as in noble/bleno hci.js. */
export const OP = {
  reset: 0x0c03,
  setEventMask: 0x0c01,
  readLeHostSupported: 0x0c6c,
  writeLeHostSupported: 0x0c6d,
  readLocalVersion: 0x1001,
  readBufferSize: 0x1005,
  readBdAddr: 0x1009,
  leSetEventMask: 0x2001,
  leReadBufferSize: 0x2002,
  leSetAdvertisingParameters: 0x2006,
  leSetAdvertisingData: 0x2008,
  leSetScanResponseData: 0x2009,
  leSetAdvertiseEnable: 0x200a,
  leSetScanParameters: 0x200b,
  leSetScanEnable: 0x200c,
} as const;

/** ADV_IND, ADV_DIRECT_IND, ADV_SCAN_IND, ADV_NONCONN_IND, SCAN_RSP (§7.7.65.2 Event_Type). */
export const ADV_TYPE = { advInd: 0x00, directInd: 0x01, scanInd: 0x02, nonConnInd: 0x03, scanRsp: 0x04 } as const;

export function commandComplete(opcode: number, status: number, ret: Uint8Array = new Uint8Array(0)): Buffer {
  const params = Buffer.alloc(4 + ret.length);
  params[0] = 1; // Num_HCI_Command_Packets
  params.writeUInt16LE(opcode, 1);
  params[3] = status;
  Buffer.from(ret).copy(params, 4);
  return Buffer.concat([Buffer.from([HCI_EVENT_PKT, EVT_CMD_COMPLETE, params.length]), params]);
}

/** "aa:bb:cc:dd:ee:ff" → the 6 bytes HCI carries, least significant first. */
export function addressToHci(address: string): Buffer {
  return Buffer.from(address.split(':').reverse().join(''), 'hex');
}

export interface AdvertisingReport {
  type: number;
  /** 0 public, 1 random. */
  addressType: number;
  address: string;
  data: Uint8Array;
  rssi: number;
}

export function leAdvertisingReport(r: AdvertisingReport): Buffer {
  const body = Buffer.alloc(2 + 1 + 1 + 6 + 1 + r.data.length + 1);
  let o = 0;
  body[o++] = LE_ADVERTISING_REPORT;
  body[o++] = 1; // Num_Reports
  body[o++] = r.type;
  body[o++] = r.addressType;
  addressToHci(r.address).copy(body, o);
  o += 6;
  body[o++] = r.data.length;
  Buffer.from(r.data).copy(body, o);
  o += r.data.length;
  body.writeInt8(r.rssi, o);
  return Buffer.concat([Buffer.from([HCI_EVENT_PKT, EVT_LE_META, body.length]), body]);
}
