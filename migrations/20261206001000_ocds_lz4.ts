import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * The releases as published and the compiled releases are the largest values an OCDS import writes (a few kB of JSON
 * each): compressed with lz4 where the server has it (PostgreSQL 14 or later built with lz4, as Debian's and the
 * official images are), about twice as fast to write as the default pglz for much the same size. Values already
 * stored keep their compression; the embedded database (PGlite) has no lz4 and keeps pglz.
 */
const LZ4 = `select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any (enumvals)`;

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `do $$ begin
      if exists (${LZ4}) then
        alter table ocds_releases alter column body set compression lz4;
        alter table ocds_compiled alter column compiled set compression lz4;
      end if;
    end $$`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table ocds_releases alter column body set compression default`,
    `alter table ocds_compiled alter column compiled set compression default`,
  ]);
}
