import { Controller, Get, Header } from '@nestjs/common';
import { AUTOSUBMIT_SCRIPT, STYLESHEET } from './assets.js';

@Controller('assets')
export class AssetsController {
  @Get('style.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  style(): string {
    return STYLESHEET;
  }

  @Get('autosubmit.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  autosubmit(): string {
    return AUTOSUBMIT_SCRIPT;
  }
}
