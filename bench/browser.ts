// A minimal HTTPS client for the set-up steps: a browser's cookie jar for the sign-in through the
// forms, and an RP's direct requests. It trusts exactly the certificate under test (`ca`), never
// "any certificate".

import { request } from 'node:https';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

export class Browser {
  private readonly jar = new Map<string, string>();

  constructor(private readonly ca: Buffer) {}

  /** The cookie header a signed-in browser sends ("name=value; ..."), of the cookies named or picked. */
  cookieHeader(names?: readonly string[] | ((name: string) => boolean)): string {
    const wanted = typeof names === 'function' ? names : (name: string) => !names || names.includes(name);
    return [...this.jar].filter(([name]) => wanted(name)).map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Takes the cookies of a header ("name=value; ...") into the jar, as if the server had set them. */
  addCookies(header: string): void {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) this.jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('GET', url, undefined, headers);
  }

  post(url: string, form: Record<string, string> | URLSearchParams, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('POST', url, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** Submits the page's (first) POST form, hidden fields kept, with `fields` added. */
  submit(page: Answer, fields: Record<string, string>): Promise<Answer> {
    const form = /<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url} (HTTP ${page.status})`);
    const action = /action="([^"]*)"/.exec(form[0])?.[1] ?? page.url;
    const hidden: Record<string, string> = {};
    for (const m of form[1]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(m[0])?.[1];
      const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
      if (name) hidden[name] = decodeEntities(value);
    }
    return this.post(new URL(decodeEntities(action), page.url).toString(), { ...hidden, ...fields });
  }

  /** Follows redirects while they stay on `origin`. */
  async follow(first: Answer, origin: string): Promise<Answer> {
    let answer = first;
    for (let hops = 0; hops < 10 && answer.status >= 300 && answer.status < 400; hops++) {
      const next = new URL(String(answer.headers.location), answer.url);
      if (next.origin !== origin) return answer;
      answer = await this.get(next.toString());
    }
    return answer;
  }

  private send(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<Answer> {
    const all: Record<string, string> = { accept: 'text/html', 'user-agent': 'openid-provider-bench', ...headers };
    if (this.jar.size > 0) all['cookie'] = this.cookieHeader();
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: all, ca: this.ca, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const pair = line.split(';')[0]!;
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            if (value === '' || /max-age=0/i.test(line)) this.jar.delete(name);
            else this.jar.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, url });
        });
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Key-value form (OpenID 2.0 §4.1.1) into a map. */
export function parseKeyValue(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of body.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
