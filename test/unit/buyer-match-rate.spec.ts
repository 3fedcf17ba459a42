import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BuyerMatcher } from '../../metrics/ingest/ocds/buyer-matcher';
import { mapRelease, type OrgRef } from '../../metrics/ingest/ocds/ocds-map';
import { readOcds } from '../../metrics/ingest/ocds/ocds-source';
import { parseDepartments, parseLocalAuthorities, readReferenceFile } from '../../metrics/reference/reference-files';

/**
 * How many of the distinct council buyers in real OCDS packages match an authority, with the reference data the
 * service loads: the Sell2Wales and Contracts Finder samples (copies of shared/data/ocds/samples) and the Find a Tender
 * shapes. Prints the rate and the council buyers left unmatched. A buyer is a council's when its name says so
 * (Council, Cyngor, Borough, CBC...); the test checks no other buyer (a university, a health board, a housing
 * association) matched a council.
 */
const OCDS = join(__dirname, '..', 'fixtures', 'ocds');
const PACKAGES = [join(OCDS, 'samples', 'uk-sell2wales-release-package.json'), join(OCDS, 'samples', 'uk-contracts-finder-2017'), join(OCDS, 'fts')];
const COUNCIL = /\b(council|cyngor|borough|city (and|&) county of|cbc|mbc)\b/i;
const NOT_A_COUNCIL = /\b(university|prifysgol|health|nhs|police|fire|housing|homes|ltd|limited|group|government|trust)\b/i;

const files = (p: string): string[] =>
  statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((f) => files(join(p, f))) : p.endsWith('.json') ? [p] : [];

function referenceMatcher() {
  const la = parseLocalAuthorities(readReferenceFile('uk_local_authorities.csv').text, readReferenceFile('lookup_name_to_code.csv').text);
  const dep = parseDepartments(readReferenceFile('central_government_departments.csv').text);
  const ids = new Map<string, number>();
  const key = (code: string) => ({ authority_id: ids.get(code) ?? ids.set(code, ids.size + 1).get(code)!, code });
  const all = [...la.authorities, ...dep.authorities];
  return {
    matcher: new BuyerMatcher(
      [...la.identifiers, ...dep.identifiers].map((i) => ({ scheme: i.scheme, identifier: i.identifier, ...key(i.code) })),
      [...all.map((a) => ({ name: a.name, ...key(a.code) })), ...[...la.names, ...dep.names].map((n) => ({ name: n.name, ...key(n.code) }))],
    ),
    councils: new Set(la.authorities.map((a) => a.code)),
  };
}

async function buyers(): Promise<OrgRef[]> {
  const seen = new Map<string, OrgRef>();
  for (const file of PACKAGES.flatMap(files)) {
    for await (const src of readOcds(createReadStream(file))) {
      const b = mapRelease(src.release, src.path).release?.buyer;
      if (b) seen.set(b.identifier ? `${b.scheme}:${b.identifier}` : `name:${b.name}`, b);
    }
  }
  return [...seen.values()];
}

describe('buyer match rate on real packages', () => {
  it('matches at least 95% of the distinct council buyers, and no other buyer to a council', async () => {
    const { matcher, councils } = referenceMatcher();
    const all = await buyers();
    const council = all.filter((b) => b.name && COUNCIL.test(b.name) && !NOT_A_COUNCIL.test(b.name));
    const matched = council.filter((b) => ['identifier', 'name'].includes(matcher.match(b).method));
    const missed = council.filter((b) => !matched.includes(b)).map((b) => b.name);
    const rate = matched.length / council.length;
    if (process.env.SVM_PRINT_BUYERS) process.stdout.write(council.map((b) => `${matcher.match(b).method}\t${b.name}`).join("\n") + "\n");
    process.stdout.write(`council buyers matched: ${matched.length} of ${council.length} (${(rate * 100).toFixed(1)}%) in ${PACKAGES.length} packages${missed.length ? `; unmatched: ${missed.join(' | ')}` : ''}\n`);
    expect(council.length).toBeGreaterThanOrEqual(23);
    expect(rate).toBeGreaterThanOrEqual(0.95);
    const others = all.filter((b) => !council.includes(b));
    const wrongly = others.filter((b) => {
      const a = matcher.match(b).authority;
      return a !== undefined && councils.has(a.code);
    });
    expect(wrongly.map((b) => b.name)).toEqual([]);
  });
});
