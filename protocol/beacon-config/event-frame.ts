/**
 * The Touchpoint event frame a beacon's button/touch input produces. The codec (field table,
 * decode/encode) lives in protocol/ble/touchpoint-event.ts so that decodeAdvertisement returns it
 * like every other frame kind; these are the provisioning-side names for the same functions.
 */
import { TOUCHPOINT_EVENT_MAGIC } from '../ble/touchpoint-event.js';

export {
  type TouchpointEventFrame,
  type TouchpointEventResult as EventFrameResult,
  TOUCHPOINT_EVENT_TEST_COMPANY_ID as EVENT_TEST_COMPANY_ID,
  TOUCHPOINT_EVENT_VERSION as EVENT_VERSION,
  TOUCHPOINT_EVENT_BYTES as EVENT_FRAME_BYTES,
  TOUCHPOINT_EVENT_AGE_NONE as EVENT_AGE_NONE,
  TOUCHPOINT_EVENT_AGE_MAX_DS as EVENT_AGE_MAX_DS,
  decodeTouchpointEvent as decodeEventFrame,
  encodeTouchpointEventManufacturerData as encodeEventFrame,
  encodeTouchpointEvent as encodeEventAdvertisement,
  eventDeviceId,
} from '../ble/touchpoint-event.js';

/** "TP", as the bytes at offset 2. */
export const EVENT_MAGIC = Uint8Array.of(TOUCHPOINT_EVENT_MAGIC >> 8, TOUCHPOINT_EVENT_MAGIC & 0xff);
