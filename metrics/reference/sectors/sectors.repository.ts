import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import { escapeLike } from '../../platform/sql';

export interface Sector {
  code: string;
  cpv_code: string;
  label: string;
}

export interface CpvCode {
  code: string;
  code8: string;
  division: string;
  level: string;
  parent_code: string | null;
  label: string;
}

export interface CpvFilter {
  q?: string;
  division?: string;
  level?: string;
  limit: number;
  offset: number;
}

const CPV_COLUMNS = ['c.code', 'c.code8', 'c.division', 'c.level', 'p.code as parent_code', 'c.label'];

/** Sectors (CPV 2008 divisions) and the full CPV code list. */
@Injectable()
export class SectorsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  listSectors(): Promise<Sector[]> {
    return this.knex('cpv_divisions').orderBy('code').select('code', 'cpv_code', 'label');
  }

  async listCpv(filter: CpvFilter): Promise<{ rows: CpvCode[]; total: number }> {
    const query = this.knex('cpv_codes as c').leftJoin('cpv_codes as p', 'p.code8', 'c.parent_code8');
    if (filter.division) query.where('c.division', filter.division);
    if (filter.level) query.where('c.level', filter.level);
    if (filter.q) {
      const q = filter.q.trim();
      query.where((w) => w.whereILike('c.label', `%${escapeLike(q)}%`).orWhereLike('c.code', `${escapeLike(q)}%`));
    }
    const [{ total }] = await query.clone().count<Array<{ total: number }>>({ total: '*' });
    const rows = await query.select(CPV_COLUMNS).orderBy('c.code8').limit(filter.limit).offset(filter.offset);
    return { rows, total: Number(total) };
  }

  /** A CPV code (8 digits, with or without its check digit) and its ancestors, nearest first. */
  async findCpv(code8: string): Promise<(CpvCode & { ancestors: CpvCode[] }) | undefined> {
    const { rows } = await this.knex.raw(
      `with recursive chain as (
         select c.*, 0 as depth from cpv_codes c where c.code8 = ?
         union all
         select p.*, chain.depth + 1 from cpv_codes p join chain on p.code8 = chain.parent_code8
       )
       select chain.code, chain.code8, chain.division, chain.level, p.code as parent_code, chain.label
       from chain left join cpv_codes p on p.code8 = chain.parent_code8 order by chain.depth`,
      [code8],
    );
    if (rows.length === 0) return undefined;
    const [self, ...ancestors] = rows as CpvCode[];
    return { ...self, ancestors };
  }
}
