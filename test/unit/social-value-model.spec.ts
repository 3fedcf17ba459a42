import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../metrics/platform/errors';
import { frameworkFromJson, type FrameworkDef } from '../../metrics/reference/catalogue/framework-definition';
import { appliesToAward, socialValueModelFor, SVM_2025_FROM, SVM_FRAMEWORKS } from '../../metrics/reference/catalogue/social-value-model';
import { CATALOGUE_DATA_DIR } from '../../metrics/reference/reference-files';

const shipped = (file: string): FrameworkDef => frameworkFromJson(JSON.parse(readFileSync(join(CATALOGUE_DATA_DIR, file), 'utf8')));

function problems(input: unknown): Array<{ path: string; message: string }> {
  try {
    frameworkFromJson(input);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).details as never;
  }
  throw new Error('expected problems');
}

describe("the government's Social Value Models", () => {
  it('puts contracts let before October 2025 on the 2020 model and later ones on the 2025 model', () => {
    expect(SVM_2025_FROM).toBe('2025-10-01');
    expect(socialValueModelFor('2021-01-01')).toBe(2020);
    expect(socialValueModelFor('2025-02-24')).toBe(2020); // PPN 002's transition: the award date still says 2020
    expect(socialValueModelFor('2025-09-30')).toBe(2020);
    expect(socialValueModelFor('2025-10-01')).toBe(2025);
    expect(socialValueModelFor('2027-06-15')).toBe(2025);
    expect(socialValueModelFor(null)).toBeNull();
    expect(socialValueModelFor(undefined)).toBeNull();
    expect(socialValueModelFor('30/09/2025')).toBeNull();
  });

  it('ships each model with the award window the rule gives it, its document, version and date, and OGL', () => {
    const m2020 = shipped('svm-2020-model.json');
    const m2025 = shipped('svm-2025-model.json');
    expect(m2020).toMatchObject({
      code: SVM_FRAMEWORKS[2020],
      licence: 'OGL-UK-3.0',
      document: { title: 'The Social Value Model', version: 'Edition 1.1', date: '2020-12-03' },
      applies_to: { awarded_from: null, awarded_before: SVM_2025_FROM },
    });
    expect(m2025).toMatchObject({
      code: SVM_FRAMEWORKS[2025],
      licence: 'OGL-UK-3.0',
      document: { title: 'Procurement Policy Note 002: The Social Value Model', date: '2025-02-13' },
      applies_to: { awarded_from: SVM_2025_FROM, awarded_before: null },
    });
    for (const date of ['2020-12-03', '2025-09-30', '2025-10-01', '2030-01-01']) {
      const model = socialValueModelFor(date)!;
      const byData = [m2020, m2025].filter((m) => appliesToAward(m.applies_to, date)).map((m) => m.code);
      expect(byData).toEqual([SVM_FRAMEWORKS[model]]);
    }
  });

  it('ships only what was read: the 2025 missions without outcomes, no measure and no crosswalk in either model', () => {
    const m2025 = shipped('svm-2025-model.json');
    expect(m2025.themes.map((t) => t.name)).toEqual([
      'Kickstarting Economic Growth',
      'An NHS Fit for the Future',
      'Safer Streets',
      'Break Down Barriers to Opportunity',
      'Make Britain a Clean Energy Superpower',
    ]);
    const m2020 = shipped('svm-2020-model.json');
    expect(m2020.themes.map((t) => t.code)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5']);
    for (const m of [m2020, m2025]) {
      expect(m.themes.flatMap((t) => t.outcomes.flatMap((o) => o.measures))).toEqual([]);
      expect(m.crosswalk).toEqual([]);
    }
    // every item shipped is traced to where it was read
    const sources = readFileSync(join(CATALOGUE_DATA_DIR, 'svm_model_sources.csv'), 'utf8');
    for (const outcome of m2020.themes.flatMap((t) => t.outcomes)) expect(sources).toContain(outcome.name);
    for (const theme of m2025.themes) expect(sources).toContain(theme.name);
  });

  it('applies a framework with no window to any award date', () => {
    expect(appliesToAward(null, '1999-01-01')).toBe(true);
    expect(appliesToAward({ awarded_from: '2021-01-01', awarded_before: null }, '2020-12-31')).toBe(false);
  });
});

describe('a framework recording a published document', () => {
  const base = {
    code: 'gov-model',
    version: '1',
    name: 'A model',
    licence: 'OGL-UK-3.0',
    source: 'A document',
    base_price_year: 2025,
    themes: [{ code: 'M1', name: 'A mission', outcomes: [] }],
  };

  it('may have no measures when it names its document; another framework still may not', () => {
    const def = frameworkFromJson({ ...base, document: { title: 'The model', version: 'Edition 1', date: '2025-02-13' } });
    expect(def.document).toEqual({ title: 'The model', version: 'Edition 1', date: '2025-02-13' });
    expect(def).not.toHaveProperty('applies_to');
    expect(problems(base)).toEqual([{ path: 'themes', message: 'the framework has no measures' }]);
  });

  it('leaves both fields out of a definition that does not give them (so loaded versions keep their hash)', () => {
    const open = shipped('svm-open-framework.json');
    expect(Object.keys(open)).not.toContain('document');
    expect(Object.keys(open)).not.toContain('applies_to');
  });

  it('names every problem with the document and the award window', () => {
    expect(
      problems({
        ...base,
        themes: [],
        document: { title: '', version: 'v', date: '2025-02-30' },
        applies_to: { awarded_from: '2025-10-01', awarded_before: '2025-10-01' },
      }),
    ).toEqual([
      { path: 'document.title', message: 'is required' },
      { path: 'document.date', message: 'must be a date, yyyy-mm-dd' },
      { path: 'applies_to.awarded_before', message: 'must be after awarded_from' },
      { path: 'themes', message: 'the framework has no themes' },
    ]);
    expect(problems({ ...base, document: 'PPN 002', applies_to: {} })).toEqual([
      { path: 'document', message: 'must be an object' },
      { path: 'applies_to', message: 'needs awarded_from, awarded_before or both' },
      { path: 'themes', message: 'the framework has no measures' },
    ]);
  });
});
