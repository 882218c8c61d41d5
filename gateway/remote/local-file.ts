/**
 * Which live settings a local config file writes explicitly (they win over remote ones). Read from
 * the file's YAML before defaults, since the effective config cannot tell "written" from "default".
 */
import { readFileSync } from 'node:fs';
import { parseYamlSource } from '../config/yaml-source.js';
import { localLivePointers } from './settings.js';

/** Pointers of live settings the file at `path` sets; [] when it cannot be read (loadGateway already reported that). */
export function readLocalLivePointers(path: string): string[] {
  try {
    const src = parseYamlSource(readFileSync(path, 'utf8'), path);
    return src.errors.length > 0 ? [] : localLivePointers(src.value);
  } catch {
    return [];
  }
}
