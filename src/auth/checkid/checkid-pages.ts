import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { text } from '../../i18n/locale.js';

// The pages that end a checkid request in the browser: "done" (no return_to) and the form that
// carries a long response.

defineView(
  'done',
  `<% if (it.approved) { %><h1><%= it.t('consent.done.approved_heading') %></h1>
<p><%~ it.th('consent.done.approved', { realm: it.realm }) %></p><% } else { %><h1><%= it.t('consent.done.refused_heading') %></h1>
<p><%~ it.th('consent.done.refused', { realm: it.realm }) %></p><% } %>`,
);

export function donePage(realm: string, approved: boolean): PageOptions {
  return { title: approved ? text('consent.done.approved_title') : text('consent.done.refused_title'), body: view('done', { realm, approved }), switcher: false };
}

defineView(
  'form-post',
  `<h1><%= it.t('consent.form_post.heading') %></h1>
<form id="openid-response" method="post" action="<%= it.action %>">
  <% it.fields.forEach(function (f) { %><input type="hidden" name="<%= f.name %>" value="<%= f.value %>"><% }) %>
  <div class="actions"><button type="submit"><%= it.t('consent.form_post.continue') %></button></div>
</form>`,
);

/** OpenID 2.0 §5.2.2: the response as a form POSTed to return_to, by script or by the button. */
export function formPostPage(action: string, fields: { name: string; value: string }[]): PageOptions {
  return { title: text('consent.form_post.title'), formTargets: [new URL(action).origin], script: true, body: view('form-post', { action, fields }), switcher: false };
}
