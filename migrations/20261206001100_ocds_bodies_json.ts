import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * The releases as published and the compiled releases are kept as `json`, not `jsonb`: they are stored to be read back
 * whole (to compile a process again) and never queried inside, so the binary form's parsing on every write was cost
 * without use (about a fifth of writing them), and `json` keeps a release's text exactly as it was sent. Compressed
 * with lz4 where the server has it; on the embedded database (PGlite, whose only compression is pglz, slow in
 * WebAssembly) stored uncompressed, which writes them about a third faster for about twice the space.
 */
const LZ4 = `select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any (enumvals)`;

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table ocds_releases drop constraint if exists ocds_releases_body_check`,
    `alter table ocds_releases alter column body type json using body::json`,
    `alter table ocds_releases add constraint ocds_releases_body_check check (body is null or json_typeof(body) = 'object')`,
    `alter table ocds_compiled drop constraint if exists ocds_compiled_compiled_check`,
    `alter table ocds_compiled alter column compiled type json using compiled::json`,
    `alter table ocds_compiled add constraint ocds_compiled_compiled_check check (json_typeof(compiled) = 'object')`,
    `do $$ begin
      if exists (${LZ4}) then
        alter table ocds_releases alter column body set compression lz4;
        alter table ocds_compiled alter column compiled set compression lz4;
      else
        alter table ocds_releases alter column body set storage external;
        alter table ocds_compiled alter column compiled set storage external;
      end if;
    end $$`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table ocds_releases alter column body set storage extended`,
    `alter table ocds_compiled alter column compiled set storage extended`,
    `alter table ocds_releases drop constraint if exists ocds_releases_body_check`,
    `alter table ocds_releases alter column body type jsonb using body::jsonb`,
    `alter table ocds_releases add constraint ocds_releases_body_check check (body is null or jsonb_typeof(body) = 'object')`,
    `alter table ocds_compiled drop constraint if exists ocds_compiled_compiled_check`,
    `alter table ocds_compiled alter column compiled type jsonb using compiled::jsonb`,
    `alter table ocds_compiled add constraint ocds_compiled_compiled_check check (jsonb_typeof(compiled) = 'object')`,
  ]);
}
