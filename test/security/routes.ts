import type { Type } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

// Every route of the running application, read from the controllers Nest registered (their
// @Controller/@Get/@Post metadata), so that a route added later is in the security suites'
// lists by itself: the CSRF suite fails for a POST route it does not cover, the framing suite
// requests every GET route.

export interface RouteInfo {
  method: string;
  /** As declared, with its :params. */
  path: string;
  guards: unknown[];
  controller: string;
}

function join(prefix: string, path: string): string {
  const parts = [prefix, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
  return `/${parts.join('/')}`;
}

export function routesOf(app: NestFastifyApplication): RouteInfo[] {
  const seen = new Set<Type>();
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const metatype = wrapper.metatype as Type | null;
      if (!metatype || seen.has(metatype)) continue;
      seen.add(metatype);
      const prefixes = ([] as string[]).concat((Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined) ?? '/');
      const classGuards = (Reflect.getMetadata(GUARDS_METADATA, metatype) as unknown[] | undefined) ?? [];
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const guards = [...classGuards, ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? [])];
        for (const prefix of prefixes) for (const path of ([] as string[]).concat(paths)) routes.push({ method, path: join(prefix, path), guards, controller: metatype.name });
      }
    }
  }
  return routes;
}
