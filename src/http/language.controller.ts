import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLanguage, LANGUAGE_COOKIE, LANGUAGES } from '../i18n/languages.js';
import { text } from '../i18n/locale.js';
import { switcherPath } from '../i18n/page-locale.js';
import { BadRequest } from './app-error.js';
import { cookieName, setCookie } from './cookies.js';

/** A year: the choice lasts until the visitor makes another. */
const REMEMBER_SECONDS = 365 * 24 * 3600;

/**
 * The language switcher of every page: remembers the chosen language in a cookie and goes back
 * to the page it came from. A GET, because it changes nothing but how pages read (the cookie is
 * no credential); the way back is a path of ours (switcherPath), never an open redirect.
 */
@Controller()
export class LanguageController {
  @Get('language')
  choose(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('lang') lang: unknown, @Query('return') back: unknown): void {
    if (!isLanguage(lang)) throw new BadRequest('unknown_language', text('errors.unknown_language.title'), text('errors.unknown_language.detail', { languages: LANGUAGES.join(', ') }));
    setCookie(reply, cookieName(LANGUAGE_COOKIE, request.secure), lang, { httpOnly: true, secure: request.secure, maxAgeSeconds: REMEMBER_SECONDS });
    reply.header('cache-control', 'no-store').redirect(switcherPath(typeof back === 'string' ? back : undefined), 303);
  }
}
