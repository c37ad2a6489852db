import type { Catalogue } from '../../catalogue.js';

export default {
  title: 'Bei einer Website anmelden?',
  heading: 'Bei dieser Website anmelden?',
  idn: 'Internationalisierte Adresse: {{unicode}} ({{ascii}})',
  http_warning: 'Diese Website verwendet kein HTTPS: Was sie erhält, könnte unterwegs mitgelesen oder verändert werden.',
  unverified_warning:
    'Die Website hat die Adresse nicht bestätigt, an die wir Sie zurückschicken sollen. Fahren Sie nur fort, wenn Sie diese Anmeldung selbst begonnen haben. Solange sie das nicht tut, werden Sie hier jedes Mal gefragt, auch bei einer Website, die Sie immer zulassen.',
  signed_in_as: 'Angemeldet als {{account}}.',
  learns_identifier: 'Die Website erfährt, dass Sie <strong>{{identifier}}</strong> sind (angemeldet als {{account}}).',
  identifier: {
    legend: 'Bei dieser Website anmelden als',
    public: 'Ihre Kennung: <span class="value">{{identifier}}</span>',
    private: 'Eine private Kennung nur für diese Website: bei jeder Anmeldung hier dieselbe, und keine andere Website kann sie mit Ihnen oder mit Ihrer Kennung in Verbindung bringen',
  },
  share: {
    legend: 'Die Website bittet außerdem um',
    field: '{{label}}: <span class="value">{{value}}</span>',
    field_missing: '{{label}}: <span class="meta">nicht in Ihrem Profil</span>',
    field_required: '{{label}} <strong>(von der Website verlangt)</strong>: <span class="value">{{value}}</span>',
    field_required_missing: '{{label}} <strong>(von der Website verlangt)</strong>: <span class="meta">nicht in Ihrem Profil</span>',
    policy: 'Wie die Website sie verwendet: <a href="{{url}}" rel="noopener noreferrer">{{url}}</a>',
  },
  decision: {
    allow_once: 'Einmal erlauben',
    allow_always: 'Immer erlauben',
    deny: 'Ablehnen',
  },
  done: {
    approved_title: 'Angemeldet',
    approved_heading: 'Fertig',
    approved: 'Sie sind bei <span class="realm">{{realm}}</span> angemeldet. Die Website hat gebeten, nicht dorthin zurückgeleitet zu werden; Sie können diese Seite schließen.',
    refused_title: 'Anmeldung abgelehnt',
    refused_heading: 'Anmeldung abgelehnt',
    refused: '<span class="realm">{{realm}}</span> wurde mitgeteilt, dass Sie abgelehnt haben.',
  },
  form_post: {
    title: 'Zurück zur Website',
    heading: 'Zurück zur Website …',
    continue: 'Weiter',
  },
} satisfies Catalogue;
