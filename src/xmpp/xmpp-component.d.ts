// @xmpp/component 0.13 ships no types and DefinitelyTyped has none: the part we use.
declare module '@xmpp/component' {
  import type { xml as clientXml } from '@xmpp/client';

  type Element = ReturnType<typeof clientXml>;

  export interface Component {
    jid: unknown;
    status: string;
    socket: unknown;
    reconnect: { stop(): void };
    iqCaller: { request(stanza: Element, timeout?: number): Promise<Element> };
    iqCallee: Record<'get' | 'set', (ns: string, name: string, handler: (ctx: { stanza: Element }) => unknown) => void>;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(element: Element): Promise<void>;
    on(event: string, listener: (...args: never[]) => void): this;
  }

  /** XEP-0114 external component; `password` is the shared secret. */
  export function component(options: { service: string; domain: string; password: string }): Component;
  export const xml: typeof clientXml;
}
