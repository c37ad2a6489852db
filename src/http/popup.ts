import type { FastifyReply } from 'fastify';

// OpenID User Interface Extension 1.0 §5 (popup mode) and the Cross-Origin-Opener-Policy.
//
// §5: the RP opens our pages in a popup window (window.open, "in a standalone browser window",
// never framed), and "the response to an authentication request in a popup is unchanged from
// OpenID 2.0": our answer is the usual redirect (or form POST) to return_to, in the popup. The RP's
// return_to page then talks to the window that opened it (window.opener) and closes the popup;
// and "Relying Parties detecting that the popup was closed without receiving an authentication
// response SHOULD interpret the close event to be a negative assertion".
//
// Every response of ours says `Cross-Origin-Opener-Policy: same-origin` (http-pipeline.ts). A
// browser that navigates a popup to such a response (a redirect hop included, HTML §7.1.3) puts it
// in a browsing context group of its own: the opener's handle then reads `closed`, the popup's
// `window.opener` is null, and the RP takes the flow for abandoned (§5) and never hears the
// answer. So the responses of a popup-mode request, and only those, say `unsafe-none` (the
// browser's default). What COOP same-origin protects against (another window holding a handle on
// ours: XS-Leaks by frame counting, navigating it away) is exactly the relationship §5 asks for,
// and only the RP that opened the popup holds that handle. Framing stays forbidden on every page
// (CSP frame-ancestors 'none', X-Frame-Options DENY): §5 "MUST NOT be framed", §8 clickjacking.

export const POPUP_OPENER_POLICY = 'unsafe-none';

/** The header set of a response to a popup-mode request (read by the pipeline's baseline, which keeps it). */
export function popupHeaders(): Record<string, string> {
  return { 'cross-origin-opener-policy': POPUP_OPENER_POLICY };
}

/** Marks `reply` as answering a popup-mode request (OpenID UI Extension 1.0 §5, see above). */
export function answerInPopup(reply: FastifyReply): void {
  reply.headers(popupHeaders());
}
