import { Injectable, type OnModuleInit } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../metrics/platform/project-root';
import { ExchangeFiguresService } from '../../metrics/read/exchange/exchange-figures.service';
import { ExchangeReadService } from '../../metrics/read/exchange/exchange-read.service';
import { RESOURCE_KINDS } from '../../metrics/reference/exchange-vocabulary';
import { findDashboard } from '../catalogue';
import { FilterChoices } from '../filter-choices';
import { CHARTS_API, pagePath, PagesService, queryString, siteNav } from './pages.service';

const TEMPLATES = join(projectRoot(), 'dashboards', 'pages', 'templates');
/** How many open needs the board lists (the API pages through all of them). */
export const NEEDS_LISTED = 100;
/** How many matches a need's or pledge's page lists. */
const MATCHES_LISTED = 200;

export const RESOURCE_KIND_LABELS: Record<(typeof RESOURCE_KINDS)[number], string> = {
  volunteer_hours: 'Volunteer hours',
  skilled_hours: 'Skilled (pro bono) hours',
  equipment: 'Equipment',
  cash: 'Cash',
  placement_weeks: 'Placement weeks',
  venue_hours: 'Venue hours',
};

export const MATCH_STATUS_LABELS: Record<string, string> = {
  proposed: 'Proposed',
  accepted: 'Accepted',
  delivered: 'Delivered',
  confirmed: 'Confirmed',
  declined: 'Declined',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

const ITEM_STATUS_LABELS: Record<string, string> = { open: 'Open', withdrawn: 'Withdrawn', expired: 'Expired' };

const REACH_LABELS: Record<string, string> = {
  authority: 'its places only',
  neighbours: 'its places and their neighbours',
  region: 'its places’ regions',
  national: 'anywhere in the UK',
};

/** The board of needs' query: place, theme and resource kind (a GET form's fields). */
export interface ExchangeBoardQuery {
  authority?: string;
  region?: string;
  theme?: string;
  resource_kind?: string;
}

type Rec = Record<string, unknown>;

/** A quantity for a person: whole numbers grouped, at most three decimal places, no trailing zeros. */
export function quantityText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '–';
  return Number(v).toLocaleString('en-GB', { maximumFractionDigits: 3 });
}

const PLURALS: Record<string, string> = { hour: 'hours', week: 'weeks', day: 'days', item: 'items', session: 'sessions', place: 'places', person: 'people', tonne: 'tonnes' };

/** A quantity in its unit for a person: £ for GBP, a unit in the plural when there is not exactly one. */
export function amountText(v: unknown, unit: unknown): string {
  const q = quantityText(v);
  if (q === '–') return q;
  const u = String(unit ?? '');
  if (u === 'GBP') return `£${q}`;
  return `${q} ${Number(v) === 1 ? u : (PLURALS[u] ?? u)}`;
}

const dateText = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '–';
  const iso = v instanceof Date ? v.toISOString() : String(v);
  return iso.slice(0, 10);
};

/**
 * The exchange's pages (public: organisations and suppliers are named, never a person): the board of open needs with
 * its GET filter form, the map of unmet need (the exchange dashboard's chart, drawn by the dashboards' script), and one
 * need or pledge with its matches. The dashboards' layout and styles; the error page is the dashboards'.
 */
@Injectable()
export class ExchangePagesService implements OnModuleInit {
  private readonly hb = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private layoutSource = '';
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly dashboardPages: PagesService,
    private readonly read: ExchangeReadService,
    private readonly figures: ExchangeFiguresService,
    private readonly choices: FilterChoices,
  ) {}

  onModuleInit(): void {
    this.hb.registerHelper('asset', (name: string) => {
      const hash = this.hashes.get(name);
      return hash ? `/assets/${name}?v=${hash}` : `/assets/${name}`;
    });
    this.layoutSource = readFileSync(join(TEMPLATES, 'layout.hbs'), 'utf8');
    this.hb.registerPartial('layout', this.layoutSource);
    this.hb.registerPartial('exchange-matches', readFileSync(join(TEMPLATES, 'exchange-matches.hbs'), 'utf8'));
    for (const name of ['exchange-board', 'exchange-need', 'exchange-pledge']) {
      this.pages.set(name, this.hb.compile(readFileSync(join(TEMPLATES, `${name}.hbs`), 'utf8'), { strict: false, preventIndent: true }));
    }
  }

  /** The files the layout loads, by their versioned URLs (as the dashboards' pages give them). */
  private async loadHashes(): Promise<void> {
    if (this.hashes.size > 0) return;
    const names = [...this.layoutSource.matchAll(/\{\{asset '([^']+)'\}\}/g)].map((m) => m[1]);
    for (const name of names) {
      const a = await this.dashboardPages.asset(name);
      if (a) this.hashes.set(name, a.hash);
    }
  }

  private async render(page: string, model: Rec): Promise<string> {
    await this.loadHashes();
    return this.pages.get(page)!({ nav: siteNav(page === 'exchange-board' ? 'exchange-board' : undefined), ...model });
  }

  /** The board of open needs for a query (400 for a malformed filter, 404 for one naming nothing). */
  async board(query: ExchangeBoardQuery): Promise<string> {
    const listQuery = { authority: query.authority, region: query.region, theme: query.theme, resource_kind: query.resource_kind };
    const [needs, choices, places] = await Promise.all([
      this.read.needs(listQuery, { limit: NEEDS_LISTED, offset: 0 }),
      this.choices.get(),
      // the councils with open needs (any filter): the place select's choices
      this.figures.unmetByAuthority({}),
    ]);
    const rows = (needs.data as Rec[]).map((n) => ({
      href: `/exchange/needs/${n.id}`,
      title: n.title,
      organisation: n.organisation_name,
      authority: n.authority_name,
      authorityHref: `/exchange?${queryString({ authority: String(n.authority) })}`,
      region: n.region,
      kind: RESOURCE_KIND_LABELS[n.resource_kind as keyof typeof RESOURCE_KIND_LABELS] ?? n.resource_kind,
      theme: n.theme_name,
      asked: amountText(n.quantity, n.unit),
      left: amountText(n.remaining, n.measure_unit),
      neededBy: n.needed_by ?? 'No date',
      demo: n.is_demo === true,
    }));
    const selected = (v: string | undefined, value: string) => v !== undefined && v === value;
    const authorityChoices = places.rows
      .map((p) => ({ value: p.code, label: p.name }))
      .sort((a, b) => a.label.localeCompare(b.label, 'en-GB'));
    if (query.authority && !authorityChoices.some((c) => c.value === query.authority)) {
      authorityChoices.unshift({ value: query.authority, label: rows.length > 0 ? String(rows[0].authority) : query.authority });
    }
    const controls = [
      { name: 'authority', label: 'Council', any: 'Any council', choices: authorityChoices },
      { name: 'region', label: 'Region', any: 'Any region', choices: choices.region!.groups.flatMap((g) => g.choices) },
      { name: 'theme', label: 'Theme', any: 'Any theme', choices: choices.theme!.groups.flatMap((g) => g.choices) },
      { name: 'resource_kind', label: 'What is asked', any: 'Anything', choices: RESOURCE_KINDS.map((k) => ({ value: k, label: RESOURCE_KIND_LABELS[k] })) },
    ].map((c) => ({ ...c, choices: c.choices.map((ch) => ({ ...ch, selected: selected(query[c.name as keyof ExchangeBoardQuery], ch.value) })) }));
    // the map: the exchange dashboard's chart, for the filters it follows (not a council: it shows the others around it)
    const dashboard = findDashboard('exchange')!;
    const chart = dashboard.charts.find((c) => c.name === 'unmet-map')!;
    const mapQuery = queryString({ region: query.region, theme: query.theme });
    const url = (ext: string) => `${CHARTS_API}/exchange/charts/unmet-map.${ext}${mapQuery ? `?${mapQuery}` : ''}`;
    const ignored = [query.authority ? 'council' : null, query.resource_kind ? 'what is asked' : null].filter((x): x is string => x !== null);
    const filtered = [query.authority, query.region, query.theme, query.resource_kind].some((v) => v !== undefined && v !== '');
    return this.render('exchange-board', {
      title: 'Open needs',
      demo: rows.some((r) => r.demo),
      controls,
      filtered,
      needs: { rows, total: needs.page.total, one: needs.page.total === 1, more: needs.page.total > rows.length },
      map: { ...chart, follows: [...chart.filters].join(','), specUrl: url('vl.json'), svgUrl: url('svg'), csvUrl: url('csv'), ignored },
      dashboardHref: pagePath(dashboard),
      dashboardTitle: dashboard.title,
      api: `${CHARTS_API}/exchange`,
    });
  }

  /** One need and its matches (404 when there is none). */
  async need(id: number): Promise<string> {
    const n = (await this.read.need(id)) as Rec;
    const matches = await this.read.matches({ need: id }, {}, { limit: MATCHES_LISTED, offset: 0 });
    const rows = (matches.data as Rec[]).map((m) => ({
      ...this.matchRow(m),
      partyHref: `/exchange/pledges/${m.pledge_id}`,
      party: m.supplier_name,
      detail: `contract ${m.contract}`,
    }));
    return this.render('exchange-need', {
      title: `${n.title}: a need on the exchange`,
      demo: n.is_demo === true,
      need: n,
      facts: [
        { label: 'Organisation', value: `${n.organisation_name} (${n.organisation})` },
        { label: 'Where', value: `${n.authority_name}${n.region ? `, ${n.region}` : ''}` },
        { label: 'What is asked', value: `${amountText(n.quantity, n.unit)} (${RESOURCE_KIND_LABELS[n.resource_kind as keyof typeof RESOURCE_KIND_LABELS] ?? n.resource_kind})` },
        { label: 'Matched so far', value: `${amountText(n.matched, n.measure_unit)} of ${amountText(n.quantity_measure, n.measure_unit)}` },
        { label: 'Left to meet', value: amountText(n.remaining, n.measure_unit) },
        { label: 'Needed by', value: n.needed_by ?? 'No date' },
        { label: 'Measure', value: `${n.measure_name} (${n.measure}), ${n.theme_name}` },
        { label: 'Status', value: ITEM_STATUS_LABELS[String(n.status)] ?? n.status },
      ],
      boardHref: `/exchange?${queryString({ authority: String(n.authority) })}`,
      matches: { rows, total: matches.page.total, more: matches.page.total > rows.length },
    });
  }

  /** One pledge and its matches (404 when there is none). */
  async pledge(id: number): Promise<string> {
    const p = (await this.read.pledge(id)) as Rec;
    const matches = await this.read.matches({ pledge: id }, {}, { limit: MATCHES_LISTED, offset: 0 });
    const rows = (matches.data as Rec[]).map((m) => ({
      ...this.matchRow(m),
      partyHref: `/exchange/needs/${m.need_id}`,
      party: m.need_title,
      detail: `${m.organisation_name}, ${m.authority_name}`,
    }));
    const places = Array.isArray(p.places) ? (p.places as string[]).join(', ') : String(p.places ?? '');
    return this.render('exchange-pledge', {
      title: `${p.title ?? `Pledge ${p.id}`}: a pledge on the exchange`,
      demo: p.is_demo === true,
      heading: p.title ?? `Pledge ${p.id}`,
      facts: [
        { label: 'Supplier', value: `${p.supplier_name} (${p.supplier})` },
        { label: 'Contract', value: `${p.contract_title ?? p.contract} (${p.contract})` },
        { label: 'Offered', value: `${amountText(p.quantity, p.unit)} (${RESOURCE_KIND_LABELS[p.resource_kind as keyof typeof RESOURCE_KIND_LABELS] ?? p.resource_kind})` },
        { label: 'Matched so far', value: `${amountText(p.matched, p.measure_unit)} of ${amountText(p.quantity_measure, p.measure_unit)}` },
        { label: 'Left to offer', value: amountText(p.remaining, p.measure_unit) },
        { label: 'Where', value: `${places} (reaching ${REACH_LABELS[String(p.reach)] ?? p.reach})` },
        { label: 'Available', value: `${p.available_from} to ${p.available_to}` },
        { label: 'Measure', value: `${p.measure_name} (${p.measure}), ${p.theme_name}` },
        { label: 'Status', value: ITEM_STATUS_LABELS[String(p.status)] ?? p.status },
      ],
      contractHref: `/dashboards/contract/${encodeURIComponent(String(p.contract))}`,
      matches: { rows, total: matches.page.total, more: matches.page.total > rows.length },
    });
  }

  private matchRow(m: Rec) {
    return {
      id: m.id,
      status: MATCH_STATUS_LABELS[String(m.status)] ?? m.status,
      statusCode: m.status,
      quantity: amountText(m.quantity, m.measure_unit),
      delivered: m.delivered_quantity === null || m.delivered_quantity === undefined ? '–' : amountText(m.delivered_quantity, m.measure_unit),
      deliveredOn: m.delivered_on ?? '–',
      updated: dateText(m.updated_at),
    };
  }
}

