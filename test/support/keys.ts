import { ApiKeysRepository } from '../../api/auth/api-keys.repository';
import { ApiKeysService } from '../../api/auth/api-keys.service';
import { AuthoritiesRepository } from '../../metrics/reference/authorities/authorities.repository';
import type { Database } from '../../metrics/platform/database';

/** Creates an API key straight in a test's database (as the CLI does) and returns the key. */
export async function createKey(
  db: Database,
  role: string,
  authorities?: string[],
  scope: { organisation?: string; supplier?: string } = {},
): Promise<string> {
  const keys = new ApiKeysService(new ApiKeysRepository(db.knex), new AuthoritiesRepository(db.knex));
  return (await keys.create({ role, authorities, ...scope })).key;
}
