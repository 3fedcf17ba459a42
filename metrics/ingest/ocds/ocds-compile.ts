import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/project-root';

/**
 * A contracting process's OCDS 1.1 releases compiled into one release, by the standard's merging specification
 * (https://standard.open-contracting.org/1.1/en/schema/merging/) as its reference implementation, ocdsmerge, applies
 * it: the newest value of each field wins, arrays of objects with an `id` merge item by item, other arrays are replaced
 * whole. A publisher that corrects an award by publishing it again under a new id gets both awards, as the standard
 * says; `findAwardCorrections` finds such pairs for the caller to flag. Pure: no database.
 */

/** How the compiler treats a field: its items matched by `id`, replaced whole, or dropped (release metadata). */
export type MergeRule = 'identifierMerge' | 'wholeListMerge' | 'omit';

/** Releases the compiler cannot order or attribute to one process (the importer rejects such releases first). */
export class OcdsCompileError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * The extensions the service reads, patched over the core schema in this order (JSON Merge Patch, as OCDS tooling
 * applies them), so the arrays they add merge by `id` and their `wholeListMerge` arrays are replaced whole.
 */
const EXTENSIONS = ['metrics', 'sustainability', 'uk'];

/** RFC 7386: objects merged key by key, `null` deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * A schema node's types. A node with properties but no type is read as an object: an extension may patch properties
 * onto an object another extension defines (the UK extension does), and those fields are still fields.
 */
function typesOf(node: Obj): string[] {
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((t): t is string => typeof t === 'string');
  if (isObj(node.properties)) return ['object'];
  if (node.items !== undefined) return ['array'];
  return [];
}

/**
 * The merge rule of every field the schema gives one, keyed by its path without array positions
 * (`awards/suppliers`), derived as ocdsmerge derives it: `omitWhenMerged` drops the field; an array with
 * `wholeListMerge`, of anything but objects, or of objects whose schema has no `id` is replaced whole; an array of
 * objects with an `id` merges by id, and the fields of its items get rules of their own. `versionId` only marks ids
 * a versioned release keeps unversioned, so it means nothing to a compiled release. Objects carry no rule (they always
 * merge field by field); a path with no rule is not in the schema.
 */
export function mergeRulesOf(schema: Obj): Map<string, MergeRule> {
  const definitions = isObj(schema.definitions) ? schema.definitions : {};
  const rules = new Map<string, MergeRule>();

  // A `$ref` replaces its node (draft 4). The stack of definitions entered stops a definition that contains itself.
  const resolve = (node: unknown, stack: string[]): { node: Obj; stack: string[] } | null => {
    let current = node;
    let entered = stack;
    while (isObj(current) && typeof current.$ref === 'string') {
      const name = /^#\/definitions\/([^/]+)$/.exec(current.$ref)?.[1];
      if (!name || !isObj(definitions[name]) || entered.includes(name)) return null;
      entered = [...entered, name];
      current = definitions[name];
    }
    return isObj(current) ? { node: current, stack: entered } : null;
  };

  const walk = (properties: Obj, path: string, stack: string[]): void => {
    for (const [key, raw] of Object.entries(properties)) {
      const field = resolve(raw, stack);
      if (!field) continue;
      const { node } = field;
      const p = path ? `${path}/${key}` : key;
      const types = typesOf(node);
      if (node.omitWhenMerged === true || node.mergeStrategy === 'ocdsOmit') {
        rules.set(p, 'omit');
      } else if (types.includes('array') && (node.wholeListMerge === true || node.mergeStrategy === 'ocdsVersion')) {
        rules.set(p, 'wholeListMerge');
      } else if (types.includes('object') && isObj(node.properties)) {
        walk(node.properties, p, field.stack);
      } else if (types.includes('array') && node.items !== undefined) {
        const items = resolve(node.items, field.stack);
        if (!items) continue;
        const itemTypes = typesOf(items.node);
        if (itemTypes.some((t) => t !== 'object')) {
          rules.set(p, 'wholeListMerge');
        } else if (itemTypes.includes('object') && isObj(items.node.properties)) {
          if (!('id' in items.node.properties)) {
            rules.set(p, 'wholeListMerge');
          } else {
            rules.set(p, 'identifierMerge');
            walk(items.node.properties, p, items.stack);
          }
        }
      }
    }
  };

  if (isObj(schema.properties)) walk(schema.properties, '', []);
  return rules;
}

let RULES: ReadonlyMap<string, MergeRule> | null = null;

/**
 * The rules of the OCDS 1.1.5 release schema with the metrics, sustainability and UK extensions
 * (`data/release-schema.json`, `data/extensions/`), read once, on first use.
 */
export function mergeRules(): ReadonlyMap<string, MergeRule> {
  if (!RULES) {
    const dir = join(projectRoot(), 'metrics', 'ingest', 'ocds', 'data');
    const read = (...parts: string[]): unknown => JSON.parse(readFileSync(join(dir, ...parts), 'utf8'));
    let schema = read('release-schema.json');
    for (const name of EXTENSIONS) schema = mergePatch(schema, read('extensions', name, 'release-schema.json'));
    RULES = mergeRulesOf(schema as Obj);
  }
  return RULES;
}

/** A value to set: a literal as it is (nothing to share), an object or array copied (the release is not aliased). */
const copy = (value: unknown): unknown => (typeof value === 'object' && value !== null ? structuredClone(value) : value);

/** Ids compared as text, as ocdsmerge compares them: `1` and `"1"` are the same item. */
const idKey = (id: unknown): string =>
  typeof id === 'string' ? id : typeof id === 'number' || typeof id === 'boolean' ? String(id) : JSON.stringify(id);

/**
 * Whether a value is set as it is rather than merged into: a literal (`null` included), anything at a
 * `wholeListMerge` path, an array holding anything but objects, and, at a path the schema does not know, an array of
 * objects not all of which have an id (nothing to match them by; ocdsmerge would append them again on every release).
 */
function isLiteral(value: unknown, rule: MergeRule | undefined): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (rule === 'wholeListMerge') return true;
  if (!Array.isArray(value)) return false;
  if (value.some((item) => !isObj(item))) return true;
  return rule === undefined && value.some((item) => (item as Obj).id === undefined || (item as Obj).id === null);
}

/**
 * Merges one release's object into the compiled one; true when it set or removed any field below. A container is
 * created only when something is set in it, so an empty object or array in a release adds nothing (the fixtures
 * `single-empty-object`, `single-empty-identifiermerge-array`), while a `null` still creates its parents, as in
 * ocdsmerge. A `null` removes the field, whatever it held: the specification's words (ocdsmerge, which works on
 * flattened paths, would keep the fields of an object a `null` replaces).
 */
function mergeObject(target: Obj, input: Obj, path: string, rules: ReadonlyMap<string, MergeRule>): boolean {
  let touched = false;
  for (const [key, value] of Object.entries(input)) {
    // Never an OCDS field, and assigning it would replace the object's prototype.
    if (key === '__proto__') continue;
    const p = path ? `${path}/${key}` : key;
    const rule = rules.get(p);
    if (rule === 'omit') continue;
    if (isLiteral(value, rule)) {
      if (value === null) delete target[key];
      else target[key] = copy(value);
      touched = true;
    } else if (Array.isArray(value)) {
      const current = target[key];
      if (Array.isArray(current) && current.every(isObj)) {
        if (mergeList(current, value as Obj[], p, rules)) touched = true;
      } else {
        const fresh: Obj[] = [];
        if (mergeList(fresh, value as Obj[], p, rules)) {
          target[key] = fresh;
          touched = true;
        }
      }
    } else {
      const current = target[key];
      if (isObj(current)) {
        if (mergeObject(current, value as Obj, p, rules)) touched = true;
      } else {
        const fresh: Obj = {};
        if (mergeObject(fresh, value as Obj, p, rules)) {
          target[key] = fresh;
          touched = true;
        }
      }
    }
  }
  return touched;
}

/**
 * Identifier merge: an item whose id is already in the compiled array is merged into it, any other is appended, in
 * the order given. An item without an id matches nothing, so it is appended (ocdsmerge gives it a fresh identifier);
 * items are never removed: the standard has no way to say so.
 */
function mergeList(target: Obj[], items: Obj[], path: string, rules: ReadonlyMap<string, MergeRule>): boolean {
  const byId = new Map<string, Obj>();
  for (const entry of target) {
    if (entry.id !== undefined && entry.id !== null && !byId.has(idKey(entry.id))) byId.set(idKey(entry.id), entry);
  }
  let touched = false;
  for (const item of items) {
    const hasId = item.id !== undefined && item.id !== null;
    const existing = hasId ? byId.get(idKey(item.id)) : undefined;
    if (existing) {
      mergeObject(existing, item, path, rules);
      touched = true;
      continue;
    }
    const fresh: Obj = hasId ? { id: copy(item.id) } : {};
    if (mergeObject(fresh, item, path, rules)) {
      target.push(fresh);
      if (hasId) byId.set(idKey(item.id), fresh);
      touched = true;
    }
  }
  return touched;
}

/**
 * The compiled release of one contracting process's releases. The releases are taken in date order (chronological,
 * as the specification says; equal dates keep the order given) and each is merged over the result of those before
 * it. The result is a release: `tag` `["compiled"]`, `date` the newest release's, `id` `{ocid}-{date}`, the form
 * ocdsmerge gives and the specification suggests. Throws `OcdsCompileError` for no releases, a release that is not an
 * object or has no valid date, or releases of more than one `ocid`.
 */
export function compileReleases(releases: unknown[], rules: ReadonlyMap<string, MergeRule> = mergeRules()): Obj {
  if (!Array.isArray(releases) || releases.length === 0) throw new OcdsCompileError('no releases to compile');
  const dated = releases.map((release, index) => {
    if (!isObj(release)) throw new OcdsCompileError(`release ${index} is not an object`);
    const at = typeof release.date === 'string' ? Date.parse(release.date) : Number.NaN;
    if (!Number.isFinite(at)) throw new OcdsCompileError(`release ${index} has no valid date`);
    return { release, at, index };
  });
  dated.sort((a, b) => a.at - b.at || a.index - b.index);

  let ocid: string | undefined;
  for (const { release } of dated) {
    if (typeof release.ocid !== 'string' || release.ocid === '') continue;
    if (ocid !== undefined && ocid !== release.ocid) {
      throw new OcdsCompileError(`releases of more than one process: ${ocid} and ${release.ocid}`);
    }
    ocid = release.ocid;
  }
  if (ocid === undefined) throw new OcdsCompileError('no release has an ocid');

  const body: Obj = {};
  for (const { release } of dated) {
    // Release metadata, whatever the rules say (before OCDS 1.1.4 `tag` was not `omitWhenMerged`).
    const { id: _id, date: _date, tag: _tag, ...fields } = release;
    mergeObject(body, fields, '', rules);
  }
  const date = dated[dated.length - 1].release.date as string;
  const { ocid: _ocid, ...rest } = body;
  return { tag: ['compiled'], id: `${ocid}-${date}`, date, ocid, ...rest };
}

/** A pair of awards that look like one award published twice: `second` the one that replaces `first`. */
export interface AwardCorrection {
  first: string;
  second: string;
  reason: string;
}

/** Values within this share of the larger are "near": a rounding or a restatement, not another contract. */
const NEAR_VALUE = 0.02;

/** Legal-form words a supplier's name is published with or without. */
const LEGAL_FORMS = new Set(['limited', 'ltd', 'plc', 'llp', 'lp', 'cic', 'inc']);

/** A supplier's name for comparison: case, accents, punctuation, `&`, a leading "the" and trailing legal forms dropped. */
export function normaliseSupplierName(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  if (words[0] === 'the') words.shift();
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1])) words.pop();
  return words.length ? words.join(' ') : null;
}

interface AwardView {
  id: string;
  index: number;
  status: string | null;
  suppliers: { id: string | null; name: string | null }[];
  lots: Set<string>;
  start: number;
  end: number;
  amount: number | null;
  currency: string | null;
  date: number | null;
  title: string | null;
}

const time = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isFinite(t) ? t : null;
};
const text = (v: unknown): string | null => {
  const s = typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
  return s === '' ? null : s;
};

function awardView(award: Obj, index: number, partyNames: Map<string, unknown>): AwardView | null {
  const id = text(award.id);
  const period = isObj(award.contractPeriod) ? award.contractPeriod : {};
  const start = time(period.startDate);
  if (id === null || start === null) return null;
  const value = isObj(award.value) ? award.value : {};
  const suppliers = arr(award.suppliers)
    .filter(isObj)
    .map((s) => {
      const sid = text(s.id);
      return {
        id: sid === null ? null : sid.replace(/\s+/g, '').toUpperCase(),
        name: normaliseSupplierName(s.name ?? (sid === null ? undefined : partyNames.get(sid))),
      };
    });
  const title = typeof award.title === 'string' ? award.title.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim() : '';
  return {
    id,
    index,
    status: typeof award.status === 'string' ? award.status.toLowerCase() : null,
    suppliers,
    lots: new Set(arr(award.relatedLots).map(text).filter((l): l is string => l !== null)),
    start,
    end: time(period.endDate) ?? Number.POSITIVE_INFINITY,
    amount: typeof value.amount === 'number' && Number.isFinite(value.amount) ? value.amount : null,
    currency: typeof value.currency === 'string' ? value.currency.toUpperCase() : null,
    date: time(award.date),
    title: title === '' ? null : title,
  };
}

/** Every supplier of each award is a supplier of the other, by identifier or by normalised name. */
function sameSuppliers(a: AwardView, b: AwardView): boolean {
  if (!a.suppliers.length || !b.suppliers.length) return false;
  const match = (x: AwardView['suppliers'][number], y: AwardView['suppliers'][number]) =>
    (x.id !== null && x.id === y.id) || (x.name !== null && x.name === y.name);
  const covers = (from: AwardView, to: AwardView) => from.suppliers.every((x) => to.suppliers.some((y) => match(x, y)));
  return covers(a, b) && covers(b, a);
}

/** The same period, or two that share more than an instant (one contract following another is not a correction). */
const periodsOverlap = (a: AwardView, b: AwardView): boolean =>
  (a.start === b.start && a.end === b.end) || (a.start < b.end && b.start < a.end);

/**
 * Pairs of awards of a compiled release that look like one award corrected by publishing it again under a new id
 * (the standard keeps both, so a total would count it twice). Conservative, since a pair wrongly found hides a real
 * contract: both awards name the same suppliers (by identifier or normalised name, a party's name standing in for a
 * missing one), both have contract periods and they are the same or overlap, neither is cancelled or unsuccessful,
 * they are not for different lots, and one replaces the other: both active with an equal or near value (within 2%,
 * same currency), or the later one (by award date) has the same title. Awards without an id or a contract start are
 * never paired. The caller flags the pairs; both awards stay in the release.
 */
export function findAwardCorrections(compiled: Record<string, unknown>): AwardCorrection[] {
  const partyNames = new Map<string, unknown>();
  for (const party of arr(compiled.parties).filter(isObj)) {
    const id = text(party.id);
    if (id !== null && party.name !== undefined) partyNames.set(id, party.name);
  }
  const awards = arr(compiled.awards)
    .map((award, index) => (isObj(award) ? awardView(award, index, partyNames) : null))
    .filter((a): a is AwardView => a !== null && a.status !== 'cancelled' && a.status !== 'unsuccessful');

  const found: AwardCorrection[] = [];
  for (let i = 0; i < awards.length; i++) {
    for (let j = i + 1; j < awards.length; j++) {
      let [a, b] = [awards[i], awards[j]];
      if (a.id === b.id || !sameSuppliers(a, b) || !periodsOverlap(a, b)) continue;
      if (a.lots.size && b.lots.size && ![...a.lots].some((lot) => b.lots.has(lot))) continue;
      // The older award first, by award date when both have one, else by place in the release.
      if (a.date !== null && b.date !== null && b.date < a.date) [a, b] = [b, a];

      let why: string | null = null;
      const comparable = a.amount !== null && b.amount !== null && a.currency === b.currency;
      if (a.status === 'active' && b.status === 'active' && comparable) {
        const gap = Math.abs(a.amount! - b.amount!);
        if (gap === 0) why = 'both active with the same value';
        else if (gap <= NEAR_VALUE * Math.max(Math.abs(a.amount!), Math.abs(b.amount!))) why = 'both active with a near value';
      }
      if (why === null && a.title !== null && a.title === b.title && a.date !== null && b.date !== null && a.date < b.date) {
        why = 'the later award has the same title';
      }
      if (why !== null) {
        found.push({ first: a.id, second: b.id, reason: `same suppliers, overlapping contract periods, ${why}` });
      }
    }
  }
  return found;
}
