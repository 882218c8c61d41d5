/**
 * Segments: the hashed user group 1225 of an item ([0253]–[0258]) — every shopper whose interest
 * in the item passed its threshold ([0250]–[0251]), as a CSV an ad platform can match by hashing
 * its own users the same way ([0263]–[0264]).
 *
 * Per shopper, the identifiers are the CRM's hashes of the referenced customer under the chosen
 * standard, plus the hashes the phone itself sent under exactly that label; so anonymous shoppers
 * who consented appear too, and a CRM customer appears with every email and phone on file. Keyed
 * hashes (+hmac-sha256) are refused: no platform can match them. Devices whose latest user
 * communication withdrew consent are left out. One row per shopper; only hashes, never a device ID
 * or customer key.
 *
 * Column headers are the ones each platform's customer-list upload reads:
 *   google-v1 (Customer Match): Email, Phone — several columns of one kind allowed. Names are left
 *     out: Google matches hashed names only together with Country and Zip in clear.
 *   meta-v1 (Custom Audiences customer list): email, phone, fn, ln, zip — up to three of each.
 */
import { parseStandardLabel, type IdentifierField } from '../../protocol/identity/index.js';
import { formatCsv } from './csv.js';
import type { BackendStore } from './store.js';

export type AudienceResult = { ok: true; csv: string; members: number; rows: number } | { ok: false; reason: string };

const GOOGLE_COLUMNS: Partial<Record<IdentifierField, string>> = { email: 'Email', phone: 'Phone' };
const META_COLUMNS: Partial<Record<IdentifierField, string>> = { email: 'email', phone: 'phone', firstName: 'fn', lastName: 'ln', zip: 'zip' };
/** Meta takes at most three columns of one identifier type; keep Google files the same shape. */
const MAX_PER_FIELD = 3;

export function exportAudience(store: BackendStore, itemId: string, standard: string): AudienceResult {
  const label = parseStandardLabel(standard);
  if (!label.ok) return { ok: false, reason: `unknown hashing standard ${JSON.stringify(standard)} (e.g. google-v1, meta-v1)` };
  if (label.keyed) return { ok: false, reason: 'keyed (+hmac-sha256) hashes cannot be matched by an ad platform' };
  const columns = label.standard === 'google-v1' ? GOOGLE_COLUMNS : META_COLUMNS;
  const fields = Object.keys(columns) as IdentifierField[];

  const crm = store.db.prepare('SELECT field, sha256 FROM crm_identifiers WHERE customer_key = ? AND standard = ? ORDER BY field, sha256');
  const own = store.db.prepare(`SELECT DISTINCT i.field, i.sha256 FROM user_identifiers i
    JOIN user_communications u ON u.message_id = i.message_id
    WHERE u.device_id = ? AND u.consent = 1 AND i.standard = ? AND i.keyed = 0
    ORDER BY i.field, i.sha256`);

  const people: Map<IdentifierField, string[]>[] = [];
  const seen = new Set<string>();
  for (const member of store.audience(itemId)) {
    const byField = new Map<IdentifierField, string[]>();
    const add = (r: { field: IdentifierField; sha256: string }) => {
      if (!columns[r.field]) return;
      const list = byField.get(r.field) ?? [];
      if (!list.includes(r.sha256) && list.length < MAX_PER_FIELD) list.push(r.sha256);
      byField.set(r.field, list);
    };
    if (member.customer_key !== null) for (const r of crm.all(member.customer_key, standard) as { field: IdentifierField; sha256: string }[]) add(r);
    for (const r of own.all(member.device_id, standard) as { field: IdentifierField; sha256: string }[]) add(r);
    if (byField.size === 0) continue;
    // Two devices of one customer are one person to the platform.
    const key = fields.map((f) => (byField.get(f) ?? []).join('+')).join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    people.push(byField);
  }
  const width = new Map(fields.map((f) => [f, Math.max(0, ...people.map((p) => p.get(f)?.length ?? 0))]));
  const header = fields.flatMap((f) => Array.from({ length: width.get(f)! }, () => columns[f]!));
  const rows = people.map((p) => fields.flatMap((f) => Array.from({ length: width.get(f)! }, (_, i) => p.get(f)?.[i] ?? '')));
  const csv = formatCsv([header.length > 0 ? header : fields.slice(0, 2).map((f) => columns[f]!), ...rows]);
  return { ok: true, csv, members: store.audience(itemId).length, rows: rows.length };
}
