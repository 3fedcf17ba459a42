import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { PeersRepository, type PeerGroup } from './peers.repository';

export interface PeerGroupOut {
  name: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
  members: Array<{ code: string; name: string }>;
}

/** The same rule as the peer_groups.name check. */
export const GROUP_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function out(g: PeerGroup): PeerGroupOut {
  return { ...g, members: g.members.map((m) => ({ code: m.code, name: m.name })) };
}

/** Peer groups defined by an administrator: a name and the authorities in it. */
@Injectable()
export class PeerGroupsService {
  constructor(private readonly repo: PeersRepository) {}

  list() {
    return this.repo.listGroups();
  }

  async get(name: string): Promise<PeerGroupOut> {
    const group = await this.repo.findGroup(name);
    if (!group) throw new DomainError('not_found', `No peer group named ${name}`, { group: name });
    return out(group);
  }

  /** Creates or replaces a group; every member code must name an authority (422 listing the unknown ones). */
  async put(name: string, input: { description?: string | null; members: string[] }): Promise<{ created: boolean; group: PeerGroupOut }> {
    if (!GROUP_NAME.test(name)) {
      throw new DomainError('invalid_parameter', 'A group name is lower case letters, digits, - and _ (at most 64, starting with a letter or digit)', [
        { field: 'name', message: `name must match ${GROUP_NAME.source}` },
      ]);
    }
    const wanted = [...new Set(input.members.map((c) => c.trim().toUpperCase()))];
    const found = await this.repo.authoritiesByCode(wanted);
    const known = new Set(found.map((a) => a.code.toUpperCase()));
    const unknown = wanted.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw new DomainError('unprocessable', `Unknown authority codes: ${unknown.join(', ')}`, { unknown_members: unknown });
    }
    const created = await this.repo.putGroup(name, input.description ?? null, found.map((a) => a.id));
    return { created, group: await this.get(name) };
  }

  async delete(name: string): Promise<void> {
    if (!(await this.repo.deleteGroup(name))) throw new DomainError('not_found', `No peer group named ${name}`, { group: name });
  }
}
