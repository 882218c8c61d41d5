/**
 * Writes protocol/asyncapi.yaml from the TypeBox schemas in protocol/messages.
 *
 *   node --import tsx scripts/gen-asyncapi.ts          regenerate the file
 *   node --import tsx scripts/gen-asyncapi.ts --check  exit 1 if the committed file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from '../protocol/messages/asyncapi.js';

export const ASYNCAPI_PATH = fileURLToPath(new URL('../protocol/asyncapi.yaml', import.meta.url));
export const GEN_COMMAND = 'node --import tsx scripts/gen-asyncapi.ts';

const HEADER =
  '# Generated from protocol/messages by scripts/gen-asyncapi.ts. Do not edit by hand:\n' +
  `# change the TypeBox schemas, then run \`${GEN_COMMAND}\`.\n`;

/** The exact file contents. lineWidth 0 keeps long descriptions on one line, so diffs stay readable. */
export function renderAsyncApiYaml(): string {
  return HEADER + stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}

function main(argv: readonly string[]): number {
  const fresh = renderAsyncApiYaml();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(ASYNCAPI_PATH, 'utf8');
    } catch {
      // missing file counts as stale
    }
    if (current === fresh) return 0;
    process.stderr.write(`protocol/asyncapi.yaml is stale; run: ${GEN_COMMAND}\n`);
    return 1;
  }
  writeFileSync(ASYNCAPI_PATH, fresh);
  process.stdout.write(`wrote ${ASYNCAPI_PATH}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
