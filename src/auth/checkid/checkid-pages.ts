import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';

// The pages that end a checkid request in the browser: "done" (no return_to) and the form that
// carries a long response.

defineView(
  'done',
  `<% if (it.approved) { %><h1>Done</h1>
<p>You are signed in at <span class="realm"><%= it.realm %></span>. The site asked not to be sent back to; you can close this page.</p><% } else { %><h1>Sign-in refused</h1>
<p><span class="realm"><%= it.realm %></span> was told that you declined.</p><% } %>`,
);

export function donePage(realm: string, approved: boolean): PageOptions {
  return { title: approved ? 'Signed in' : 'Sign-in refused', body: view('done', { realm, approved }) };
}

defineView(
  'form-post',
  `<h1>Returning to the site…</h1>
<form id="openid-response" method="post" action="<%= it.action %>">
  <% it.fields.forEach(function (f) { %><input type="hidden" name="<%= f.name %>" value="<%= f.value %>"><% }) %>
  <div class="actions"><button type="submit">Continue</button></div>
</form>`,
);

/** OpenID 2.0 §5.2.2: the response as a form POSTed to return_to, by script or by the button. */
export function formPostPage(action: string, fields: { name: string; value: string }[]): PageOptions {
  return { title: 'Returning to the site', formTargets: [new URL(action).origin], script: true, body: view('form-post', { action, fields }) };
}
