import { Injectable, type OnModuleInit } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../metrics/platform/project-root';
import { AuthoritiesService } from '../../metrics/reference/authorities/authorities.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { gbpShort } from '../format';
import { DASHBOARDS, FILTER_CONTROLS, type DashboardEntry } from '../catalogue';
import type { DashboardQuery } from '../chart';
import { DashboardsService, type DashboardView } from '../dashboards.service';
import { FilterChoices, type Choices } from '../filter-choices';
import { loadAssets, type Asset } from './assets';

/** How many of an authority's contracts its page lists (the API pages through all of them). */
const CONTRACTS_LISTED = 200;
const TEMPLATES = join(projectRoot(), 'dashboards', 'pages', 'templates');
/** Where the charts of a dashboard are served (the API). */
export const CHARTS_API = '/api/v1/dashboards';

const FILTER_LABELS: Record<string, string> = {
  from: 'from', to: 'to', kind: 'kind of authority', region: 'region', nation: 'nation', department: 'department', sector: 'sector', theme: 'theme', basis: '£ basis',
};

/** A query as a URL's query string (without the `?`), in the order of its keys, empty values left out. */
export function queryString(query: Record<string, string | string[] | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== '') params.append(k, one);
  }
  return params.toString();
}

/** The page path of a dashboard (with its subject). */
export function pagePath(d: DashboardEntry, subject?: string): string {
  return d.subject ? `/dashboards/${d.name}/${encodeURIComponent(subject ?? '')}` : `/dashboards/${d.name}`;
}

/**
 * The dashboards' pages: HTML shells rendered from Handlebars templates (every value escaped), their figures and
 * choices filled on the server, their charts drawn in the browser from the chart API (vega-embed), and the files
 * they load, served by the service itself.
 */
@Injectable()
export class PagesService implements OnModuleInit {
  private readonly hb = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  /** The files the pages load, read and bundled on the first page or file asked for (not at start: ~80 ms). */
  private assets?: Map<string, Asset>;
  private loading?: Promise<Map<string, Asset>>;

  constructor(
    private readonly dashboards: DashboardsService,
    private readonly choices: FilterChoices,
    private readonly authorities: AuthoritiesService,
    private readonly indicators: IndicatorsService,
    private readonly contracts: ContractsService,
  ) {}

  onModuleInit(): void {
    // a file's URL carries its hash once the files are loaded (cached for good); before (an error page rendered
    // first), the plain URL, revalidated
    this.hb.registerHelper('asset', (name: string) => {
      if (!this.assets) return `/assets/${name}`;
      const a = this.assets.get(name);
      if (!a) throw new Error(`no asset ${name}`);
      return `/assets/${name}?v=${a.hash}`;
    });
    // a long source note (an endpoint and field) may break after a slash or underscore, never inside a word
    this.hb.registerHelper('wbr', (text: string) => new Handlebars.SafeString(Handlebars.escapeExpression(text ?? '').replace(/([/_:])/g, '$1<wbr>')));
    for (const file of readdirSync(TEMPLATES).filter((f) => f.endsWith('.hbs'))) {
      const name = file.slice(0, -4);
      const source = readFileSync(join(TEMPLATES, file), 'utf8');
      if (name === 'layout' || name === 'search') this.hb.registerPartial(name, source);
      else this.pages.set(name, this.hb.compile(source, { strict: false, preventIndent: true }));
    }
  }

  private async loaded(): Promise<Map<string, Asset>> {
    if (this.assets) return this.assets;
    this.loading ??= loadAssets().then(
      (a) => (this.assets = a),
      (err) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  async asset(name: string): Promise<Asset | undefined> {
    return (await this.loaded()).get(name);
  }

  private async render(page: string, model: Record<string, unknown>, current?: string): Promise<string> {
    await this.loaded();
    return this.renderNow(page, model, current);
  }

  private renderNow(page: string, model: Record<string, unknown>, current?: string): string {
    return this.pages.get(page)!({ nav: siteNav(current), ...model });
  }

  index(): Promise<string> {
    return this.render('index', {
      title: 'Dashboards',
      dashboards: DASHBOARDS.map((d) => ({
        title: d.title,
        purpose: d.purpose,
        href: d.subject ? '/dashboards/authority' : pagePath(d),
        via: d.subject === 'contract' ? 'Open a contract from its authority\'s page.' : d.subject === 'authority' ? 'Find the authority by name.' : undefined,
        needsKey: d.charts.some((c) => c.access === 'supplier-data'),
      })),
    });
  }

  async search(q: string | undefined): Promise<string> {
    const text = (q ?? '').trim().slice(0, 200);
    const found = text ? await this.authorities.list({ q: text, limit: 50, offset: 0 }) : undefined;
    return this.render(
      'search-results',
      { title: 'Find an authority', q: text, results: found?.data ?? [], total: found?.page.total ?? 0, one: found?.page.total === 1, more: (found?.page.total ?? 0) > (found?.data.length ?? 0) },
      'authority',
    );
  }

  /** A dashboard page for a query (404 for an unknown dashboard or subject, 400 for a bad filter value). */
  async dashboard(name: string, query: DashboardQuery): Promise<string> {
    const view = await this.dashboards.view(name, query);
    const choices = await this.choices.get();
    const [demo, contracts] = await Promise.all([this.demo(view, query), this.contractsOf(view)]);
    return this.render('dashboard', { ...this.model(view, query, choices, demo), contracts, isAuthority: view.dashboard.subject === 'authority' }, name);
  }

  /** An authority's contracts as their notices publish them (public), each a link to its contract page. */
  private async contractsOf(view: DashboardView) {
    if (view.dashboard.subject !== 'authority' || !view.subject) return undefined;
    const found = await this.contracts.list({ authority: view.subject.code, limit: CONTRACTS_LISTED, offset: 0 });
    return {
      total: found.page.total,
      more: found.page.total > found.data.length,
      rows: found.data.map((c) => ({
        href: `/dashboards/contract/${encodeURIComponent(c.reference)}`,
        reference: c.reference,
        title: c.title,
        supplier: c.supplier_name,
        value: c.value_gbp === null || c.value_gbp === undefined ? '–' : gbpShort(Number(c.value_gbp)),
        award: c.award_date ?? '–',
      })),
    };
  }

  /** Whether the figures the page shows include demo data (then every page says so). */
  private async demo(view: DashboardView, query: DashboardQuery): Promise<boolean> {
    if (view.subject?.demo !== undefined) return view.subject.demo;
    const { kind, region, nation, department, sector } = query;
    const authority = view.dashboard.subject === 'authority' ? view.subject?.code : undefined;
    const result = await this.indicators.implementation({ kind, region, nation, department, sector, authority });
    return result.rows.some((r) => Number(r.demo_contracts ?? 0) > 0);
  }

  private model(view: DashboardView, query: DashboardQuery, choices: Choices, demo: boolean) {
    const d = view.dashboard;
    const subjectParam = d.subject;
    const own: Record<string, string | string[] | undefined> = {};
    for (const f of [...d.filters, ...d.options]) own[f] = query[f as keyof DashboardQuery];
    const subjectQuery = subjectParam ? { [subjectParam]: view.subject?.code } : {};
    const controls = [
      ...d.filters.map((f) => ({ name: f, ...choices[f]!, any: f === 'basis' ? 'Net (default)' : f === 'from' || f === 'to' ? 'Any period' : 'All' })),
      ...Object.entries(view.options).map(([name, list]) => ({ name, label: OPTION_LABELS[name] ?? name, groups: [{ label: undefined as string | undefined, choices: list }], any: OPTION_DEFAULTS[name] ?? 'Default' })),
    ].map((c) => {
      const selected = query[c.name as keyof DashboardQuery];
      const value = Array.isArray(selected) ? selected[0] : selected;
      return { ...c, groups: c.groups.map((g) => ({ label: g.label, choices: g.choices.map((ch) => ({ ...ch, selected: ch.value === value })) })) };
    });
    const charts = d.charts.map((c) => {
      const follows = new Set<string>([...c.filters, ...(c.options ?? [])]);
      const ignored = FILTER_CONTROLS.filter((f) => d.filters.includes(f) && !follows.has(f) && own[f]).map((f) => FILTER_LABELS[f]);
      const qs = queryString({ ...subjectQuery, ...Object.fromEntries(Object.entries(own).filter(([k]) => follows.has(k))) });
      const base = `${CHARTS_API}/${d.name}/charts/${c.name}`;
      const url = (ext: string) => `${base}.${ext}${qs ? `?${qs}` : ''}`;
      return { ...c, follows: [...follows].join(','), access_supplier: c.access === 'supplier-data', ignored, specUrl: url('vl.json'), svgUrl: url('svg'), csvUrl: url('csv') };
    });
    return {
      title: view.subject ? `${view.subject.name}: ${d.title}` : d.title,
      dashboard: d,
      subject: view.subject,
      tiles: view.tiles,
      controls,
      charts,
      demo,
      path: pagePath(d, view.subject?.code),
      api: `${CHARTS_API}/${d.name}`,
    };
  }

  /**
   * The published reports (the reports' own page, in the site's shell): each with its period, parameters, pages,
   * SHA-256 and permanent links, and the reports anyone can preview.
   */
  reportsIndex(model: { published: unknown[]; reports: ReadonlyArray<{ name: string; title: string; purpose: string }> }): Promise<string> {
    return this.render('reports', { title: 'Reports', ...model }, 'reports');
  }

  signIn(model: { next: string; error?: string; signedIn: boolean; hours: number }): Promise<string> {
    return this.render('sign-in', { title: 'Sign in', ...model });
  }

  error(status: number, code: string, message: string): string {
    const heading = status === 404 ? 'Page not found' : status === 401 || status === 403 ? 'You cannot see this page' : status < 500 ? 'There is a problem with the address' : 'Sorry, there is a problem with the service';
    return this.renderNow('error', { title: heading, heading, message, status, code, search: status === 404 });
  }
}

const OPTION_LABELS: Record<string, string> = { indicator: 'Map and league table indicator', peers: 'Peer group', group: 'Named peer group' };
const OPTION_DEFAULTS: Record<string, string> = { indicator: 'Delivery ratio (default)', peers: 'Nearest neighbours (default)', group: 'None' };

/**
 * The navigation of every page: the dashboards (not those about one thing), finding an authority, the exchange's
 * board of open needs, the reports; `current` marks the page shown.
 */
export function siteNav(current?: string): Array<{ href: string; label: string; current: boolean }> {
  const nav = DASHBOARDS.filter((d) => !d.subject).map((d) => ({ href: pagePath(d), label: d.title, current: d.name === current }));
  nav.push({ href: '/dashboards/authority', label: 'Find an authority', current: current === 'authority' });
  nav.push({ href: '/exchange', label: 'Open needs', current: current === 'exchange-board' });
  nav.push({ href: '/reports', label: 'Reports', current: current === 'reports' });
  return nav;
}
