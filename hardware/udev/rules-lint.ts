/**
 * A small checker for udev rules files, so that a typo in hardware/udev/*.rules fails CI instead of
 * silently giving no /dev/touchpoint-* link on a store's gateway (udevd only logs bad lines).
 *
 * Grammar and key table from udev(7) (systemd man page, "RULES FILES"): one rule per line ("\" at the
 * end continues it), comma-separated `KEY[{attr}]OP"value"`; match operators == and !=, assignment
 * = += -= :=. Not a full udev: it knows the keys these files use plus the common ones, and refuses the
 * rest, which is the point.
 */

export type Operator = '==' | '!=' | '=' | '+=' | '-=' | ':=';
const MATCH_OPS: readonly Operator[] = ['==', '!='];
const ASSIGN_OPS: readonly Operator[] = ['=', '+=', '-=', ':='];

interface KeySpec {
  /** true: KEY{attr} required; false: forbidden; 'optional': RUN and IMPORT forms. */
  attr: boolean | 'optional';
  match: boolean;
  assign: boolean;
}

/** udev(7) key table (systemd v252+). */
const KEYS: Record<string, KeySpec> = {
  ACTION: { attr: false, match: true, assign: false },
  DEVPATH: { attr: false, match: true, assign: false },
  KERNEL: { attr: false, match: true, assign: false },
  KERNELS: { attr: false, match: true, assign: false },
  SUBSYSTEM: { attr: false, match: true, assign: false },
  SUBSYSTEMS: { attr: false, match: true, assign: false },
  DRIVER: { attr: false, match: true, assign: false },
  DRIVERS: { attr: false, match: true, assign: false },
  ATTR: { attr: true, match: true, assign: true },
  ATTRS: { attr: true, match: true, assign: false },
  SYSCTL: { attr: true, match: true, assign: true },
  ENV: { attr: true, match: true, assign: true },
  CONST: { attr: true, match: true, assign: false },
  TAG: { attr: false, match: true, assign: true },
  TAGS: { attr: false, match: true, assign: false },
  TEST: { attr: 'optional', match: true, assign: false },
  PROGRAM: { attr: false, match: true, assign: false },
  RESULT: { attr: false, match: true, assign: false },
  NAME: { attr: false, match: true, assign: true },
  SYMLINK: { attr: false, match: true, assign: true },
  OWNER: { attr: false, match: false, assign: true },
  GROUP: { attr: false, match: false, assign: true },
  MODE: { attr: false, match: false, assign: true },
  SECLABEL: { attr: true, match: false, assign: true },
  RUN: { attr: 'optional', match: false, assign: true },
  IMPORT: { attr: true, match: true, assign: false },
  OPTIONS: { attr: false, match: false, assign: true },
  LABEL: { attr: false, match: false, assign: true },
  GOTO: { attr: false, match: false, assign: true },
};

export interface RulePair {
  key: string;
  attr: string | null;
  op: Operator;
  value: string;
}

export interface Rule {
  /** 1-based line of the rule's first physical line. */
  line: number;
  pairs: RulePair[];
}

export interface LintProblem {
  line: number;
  message: string;
}

export interface LintResult {
  rules: Rule[];
  problems: LintProblem[];
}

// KEY or KEY{attr}, operator, double-quoted value (udev allows \" inside; we do not need it)
const PAIR = /^([A-Z_]+)(?:\{([^{}]+)\})?(==|!=|\+=|-=|:=|=)"([^"]*)"$/;

/** Splits a rule at commas outside double quotes; keeps empty parts so that ",," is reported. */
function splitPairs(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts;
}

function checkPair(p: RulePair, problem: (m: string) => void): void {
  const spec = KEYS[p.key];
  if (!spec) return problem(`unknown key ${p.key}`);
  if (spec.attr === true && p.attr === null) problem(`${p.key} needs an attribute: ${p.key}{…}`);
  if (spec.attr === false && p.attr !== null) problem(`${p.key} takes no {attribute}`);
  const isMatch = MATCH_OPS.includes(p.op);
  if (isMatch && !spec.match) problem(`${p.key} cannot be matched (${p.op}); it is an assignment`);
  if (!isMatch && !spec.assign) problem(`${p.key} cannot be assigned (${p.op}); did you mean ==?`);
  if ((p.key === 'ATTRS' || p.key === 'ATTR') && (p.attr === 'idVendor' || p.attr === 'idProduct') && !/^[0-9a-f]{4}$/.test(p.value)) {
    // sysfs prints them as 4 lowercase hex digits; "1A86" or "0x1a86" never matches
    problem(`${p.key}{${p.attr}} must be 4 lowercase hex digits as sysfs shows them, got "${p.value}"`);
  }
  if (p.key === 'SYMLINK' && !isMatch && !/^[A-Za-z0-9._/-]+( [A-Za-z0-9._/-]+)*$/.test(p.value)) problem(`SYMLINK name "${p.value}" has characters udev would mangle`);
  if (p.key === 'SYMLINK' && !isMatch && p.value.startsWith('/')) problem('SYMLINK names are relative to /dev');
  if (p.key === 'MODE' && !/^0?[0-7]{3}$/.test(p.value)) problem(`MODE must be octal like 0660, got "${p.value}"`);
}

export function lintUdevRules(text: string): LintResult {
  const rules: Rule[] = [];
  const problems: LintProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let raw = lines[i]!.replace(/\r$/, '');
    while (raw.endsWith('\\') && i + 1 < lines.length) raw = raw.slice(0, -1) + lines[++i]!.replace(/\r$/, '');
    const body = raw.trim();
    if (body === '' || body.startsWith('#')) continue;
    const problem = (message: string) => problems.push({ line: start, message });
    if ((body.match(/"/g) ?? []).length % 2 !== 0) {
      problem('unbalanced double quote');
      continue;
    }
    const pairs: RulePair[] = [];
    for (const part of splitPairs(body)) {
      const m = PAIR.exec(part);
      if (!m) {
        problem(part === '' ? 'empty key-value pair (stray comma?)' : `not KEY[{attr}]OP"value": ${JSON.stringify(part)}`);
        continue;
      }
      const pair: RulePair = { key: m[1]!, attr: m[2] ?? null, op: m[3] as Operator, value: m[4]! };
      checkPair(pair, problem);
      pairs.push(pair);
    }
    if (pairs.length > 0 && pairs.every((p) => MATCH_OPS.includes(p.op))) problem('rule only matches and assigns nothing');
    rules.push({ line: start, pairs });
  }
  const labels = new Set(rules.flatMap((r) => r.pairs.filter((p) => p.key === 'LABEL').map((p) => p.value)));
  for (const r of rules) {
    for (const p of r.pairs) if (p.key === 'GOTO' && !labels.has(p.value)) problems.push({ line: r.line, message: `GOTO "${p.value}" has no LABEL` });
  }
  return { rules, problems };
}

/** The /dev names a rules file creates: SYMLINK+= / SYMLINK= values of rules that are not commented out. */
export function symlinksOf(result: LintResult): string[] {
  return result.rules.flatMap((r) => r.pairs.filter((p) => p.key === 'SYMLINK' && ASSIGN_OPS.includes(p.op)).flatMap((p) => p.value.split(' ')));
}
