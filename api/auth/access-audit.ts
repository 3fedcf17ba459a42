import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_KEY } from './access.decorator';

/** Every route of every controller: its method, path and handler, for checks made once at start. */
export function listRoutes(discovery: DiscoveryService, scanner: MetadataScanner) {
  const routes: Array<{ controller: string; handler: string; target: object; method: (...args: unknown[]) => unknown }> = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, (...args: unknown[]) => unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const method = prototype[name];
      if (Reflect.getMetadata(PATH_METADATA, method) === undefined || Reflect.getMetadata(METHOD_METADATA, method) === undefined) continue;
      routes.push({ controller: wrapper.name, handler: name, target: wrapper.metatype as object, method });
    }
  }
  return routes;
}

/** Refuses to start a service with a route that declares no access rule (@Public, @SupplierData or @Roles). */
@Injectable()
export class AccessAudit implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const undeclared = listRoutes(this.discovery, this.scanner)
      .filter((r) => this.reflector.getAllAndOverride(ACCESS_KEY, [r.method, r.target as never]) === undefined)
      .map((r) => `${r.controller}.${r.handler}`);
    if (undeclared.length > 0) {
      throw new Error(`Routes without an access rule (@Public, @SupplierData or @Roles): ${undeclared.join(', ')}`);
    }
  }
}
