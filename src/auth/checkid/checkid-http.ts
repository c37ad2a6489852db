import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../../http/pages.js';
import { answerInPopup } from '../../http/popup.js';
import { donePage, formPostPage } from './checkid-pages.js';
import type { Outcome } from './outcome.js';

/** Answers the browser with the outcome of a checkid step. */
export function sendOutcome(request: FastifyRequest, reply: FastifyReply, outcome: Outcome): void {
  // OpenID UI Extension 1.0 §5: every hop of a popup-mode request keeps the popup's opener.
  if (outcome.popup === true) answerInPopup(reply);
  switch (outcome.kind) {
    case 'redirect':
      // OpenID 2.0 §5.2.1: an HTTP redirect; 303 after a POST so the browser follows with GET.
      reply.header('cache-control', 'no-store').redirect(outcome.location, request.method === 'POST' ? 303 : 302);
      return;
    case 'form-post':
      sendPage(reply, 200, { ...formPostPage(outcome.action, outcome.fields), popup: outcome.popup, languages: outcome.languages });
      return;
    case 'done':
      sendPage(reply, 200, { ...donePage(outcome.realm, outcome.approved), popup: outcome.popup, closeWindow: true, languages: outcome.languages });
      return;
  }
}
