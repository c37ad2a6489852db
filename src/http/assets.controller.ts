import { Controller, Get, Header, NotFoundException, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AUTOSUBMIT_SCRIPT, FAVICON_SVG, PASSKEYS_SCRIPT, POPUP_SCRIPT, STYLESHEET, TIME_ZONE_SCRIPT, WEBAUTHN_LIBRARY } from './assets.js';
import { Branding } from './branding.js';

/** In-memory static assets: no external host is ever referenced by a page. */
@Controller()
export class AssetsController {
  constructor(private readonly branding: Branding) {}

  @Get('assets/style.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  style(): string {
    return STYLESHEET;
  }

  @Get('assets/autosubmit.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  autosubmit(): string {
    return AUTOSUBMIT_SCRIPT;
  }

  @Get('assets/popup.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  popup(): string {
    return POPUP_SCRIPT;
  }

  @Get('assets/time-zone.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  timeZone(): string {
    return TIME_ZONE_SCRIPT;
  }

  @Get('assets/webauthn.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  webauthn(): string {
    return WEBAUTHN_LIBRARY;
  }

  @Get('assets/passkeys.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  passkeys(): string {
    return PASSKEYS_SCRIPT;
  }

  /** The operator's theme (ui.theme), loaded after style.css. */
  @Get('assets/theme.css')
  theme(@Res() reply: FastifyReply): void {
    const theme = this.branding.theme;
    if (theme === undefined) throw new NotFoundException();
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(theme);
  }

  @Get('assets/logo')
  logo(@Res() reply: FastifyReply): void {
    const logo = this.branding.logo;
    if (logo === undefined) throw new NotFoundException();
    reply.header('cache-control', 'public, max-age=3600').type(logo.contentType).send(logo.body);
  }

  @Get(['favicon.svg', 'favicon.ico'])
  @Header('content-type', 'image/svg+xml')
  @Header('cache-control', 'public, max-age=86400')
  favicon(): string {
    return FAVICON_SVG;
  }
}
