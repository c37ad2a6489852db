import type { Catalogue } from '../../catalogue.js';

export default {
  page: {
    reference: 'Fehler <code>{{code}}</code> (HTTP {{status}}) · Anfrage <code>{{requestId}}</code>',
    popup_closed: 'An die Website wurde nichts gesendet. Sie können dieses Fenster schließen.',
  },
  unknown_language: {
    title: 'Unbekannte Sprache',
    detail: 'Die Seiten gibt es in diesen Sprachen: {{languages}}.',
  },

  internal_error: {
    title: 'Interner Fehler',
    detail: 'Bei uns ist etwas schiefgegangen. Bitte nennen Sie die Anfrage-ID, wenn Sie den Fehler melden.',
  },
  database_unavailable: {
    title: 'Dienst nicht verfügbar',
    detail: 'Der Dienst erreicht seine Datenbank gerade nicht. Versuchen Sie es in ein paar Sekunden erneut.',
  },
  bad_request: {
    title: 'Ungültige Anfrage',
    detail: 'Die Anfrage konnte nicht gelesen werden.',
    not_http: 'Diese Anfrage ist kein gültiges HTTP.',
  },
  unauthorized: { title: 'Nicht autorisiert', detail: 'Diese Anfrage braucht Zugangsdaten, die sie nicht enthält.' },
  forbidden: { title: 'Verboten', detail: 'Diese Anfrage ist nicht erlaubt.' },
  not_found: { title: 'Nicht gefunden', detail: 'Unter dieser Adresse gibt es nichts.' },
  method_not_allowed: { title: 'Methode nicht erlaubt', detail: 'Diese Adresse nimmt diese Art von Anfrage nicht an.' },
  not_acceptable: { title: 'Nicht annehmbar', detail: 'Es gibt keine Antwort in einem Format, das diese Anfrage annimmt.' },
  request_timeout: { title: 'Zeitüberschreitung der Anfrage', detail: 'Die Anfrage ist nicht rechtzeitig angekommen.' },
  length_required: { title: 'Länge erforderlich', detail: 'Diese Anfrage muss angeben, wie lang ihr Inhalt ist.' },
  payload_too_large: { title: 'Anfrageinhalt zu groß', detail: 'Der Inhalt der Anfrage ist zu groß.' },
  uri_too_long: { title: 'Anfrage-URI zu lang', detail: 'Die Adresse dieser Anfrage ist zu lang.' },
  unsupported_media_type: {
    title: 'Nicht unterstützter Medientyp',
    detail: 'Der Inhalt der Anfrage hat einen Typ, den diese Adresse nicht annimmt.',
    openid: {
      title: 'Nicht unterstützter Inhalt',
      detail: 'OpenID-Nachrichten werden als application/x-www-form-urlencoded per POST gesendet.',
    },
  },
  too_many_requests: { title: 'Zu viele Anfragen', detail: 'Zu viele Anfragen von dieser Adresse. Warten Sie einen Moment und versuchen Sie es dann erneut.' },
  headers_too_large: { title: 'Anfrage-Header zu groß', detail: 'Die Anfragezeile oder die Header sind zu groß.' },
  service_unavailable: { title: 'Dienst nicht verfügbar', detail: 'Der Dienst kann gerade nicht antworten. Versuchen Sie es in ein paar Sekunden erneut.' },

  openid: {
    title: 'OpenID-Anfrage abgelehnt',
    detail: '{{explanation}} Für die Entwickler der Website (auf Englisch): {{message}}',
    invalid_request: 'Die Website hat eine Anmeldeanfrage gesendet, die keine gültige OpenID-Nachricht ist.',
    message_too_large: 'Die Website hat eine zu große Anmeldeanfrage gesendet.',
    forbidden_character: 'Die Website hat eine Anmeldeanfrage mit Zeichen gesendet, die OpenID nicht erlaubt.',
    unsupported_mode: 'Die Website hat etwas angefragt, das dieser Anbieter nicht unterstützt.',
    unsupported_type: 'Die Website hat eine Art von Assoziation angefragt, die dieser Anbieter nicht anbietet.',
    invalid_return_to: 'Die Website hat nicht angegeben, wohin Sie zurückgeschickt werden sollen, oder eine Adresse außerhalb ihrer eigenen genannt.',
    invalid_realm: 'Der Name der Website (ihr Realm) ist ungültig, oder dieser Anbieter bedient ihn nicht.',
    rate_limited: 'Zu viele Anfragen von dieser Adresse. Warten Sie einen Moment und versuchen Sie es dann erneut.',
    unknown_identifier: 'Die Kennung, nach der die Website fragt, ist diesem Anbieter nicht bekannt.',
    claimed_id_mismatch: 'Die Kennung, nach der die Website fragt, passt nicht zu der, die sie angibt.',
    other: 'Die Anmeldeanfrage der Website konnte nicht angenommen werden.',
  },

  unknown_domain: {
    title: 'Unbekannte Domain',
    detail: 'Dieser Anbieter bedient {{host}} nicht.',
    no_host: 'Dieser Anbieter bedient keine Anfragen ohne Host-Header.',
    not_served: '{{domain}} ist keine Domain, die dieser Anbieter bedient',
  },
  tls_required: { title: 'HTTPS erforderlich', detail: 'Dieser Anbieter nimmt diese Anfrage nur über HTTPS an.' },
  bad_url: { title: 'Ungültige Adresse', detail: 'Diese Adresse ist ungültig: Ihre Prozent-Kodierung ist fehlerhaft.' },
  csrf_failed: { title: 'Formular abgelaufen', detail: 'Dieses Formular ist nicht mehr gültig. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.' },

  validation_failed: {
    title: 'Ungültige Eingabe',
    detail: 'Die Anfrage konnte nicht gelesen werden: {{fields}}.',
    field: '{{name}} {{reason}}',
    missing: 'fehlt',
    repeated: 'wurde mehr als einmal gesendet',
    unknown_field: 'ist kein Feld dieses Formulars',
    is_string: 'muss eine Zeichenkette sein',
    is_in: 'muss einer der folgenden Werte sein: {{values}}',
    each: 'jeder Wert in {{name}} {{reason}}',
    max_length: 'darf höchstens {{max}} Zeichen lang sein',
    array_max_size: 'darf höchstens {{max}} Elemente enthalten',
    is_array: 'muss eine Liste sein',
    matches: 'muss dem regulären Ausdruck {{pattern}} entsprechen',
    is_uuid: 'muss eine UUID sein',
    invalid: 'ist ungültig',
  },

  rate_limited: {
    title: 'Zu viele Anfragen',
    detail: 'Zu viele Anmeldeanfragen von dieser Adresse. Warten Sie einen Moment, gehen Sie dann zurück zur Website und versuchen Sie es erneut.',
  },
  too_many_pending_requests: {
    title: 'Zu viele Anmeldeanfragen',
    detail: 'Zu viele unvollendete Anmeldeanfragen von dieser Adresse. Schließen Sie eine ab oder brechen Sie sie ab, warten Sie einen Moment und versuchen Sie es dann erneut.',
  },
  request_expired: {
    title: 'Anmeldeanfrage abgelaufen',
    detail: 'Diese Anmeldeanfrage ist unbekannt oder abgelaufen. Gehen Sie zurück zu der Website, bei der Sie sich anmelden wollten, und beginnen Sie von vorn.',
  },
  pending_request_too_large: {
    title: 'Anmeldeanfrage zu groß',
    detail: 'Diese Anmeldeanfrage ist zu groß, um sie während Ihrer Anmeldung aufzubewahren. Teilen Sie das der Website mit, von der Sie kommen.',
  },
  not_signed_in: { title: 'Nicht angemeldet', detail: 'Melden Sie sich zuerst an und versuchen Sie es dann erneut.' },
  identifier_form_not_served: {
    title: 'Keine Kennung',
    detail: 'Kennungen haben die Form {base}/openid/{user}, ohne @domain: Die Domain ist der Host der Adresse.',
  },

  fetch_refused: {
    title: 'Die Website konnte nicht abgerufen werden',
    invalid_url: 'Die Adresse ist keine gültige absolute http- oder https-URL.',
    scheme_not_allowed: 'Abgerufen werden nur https://-Adressen (und http://, wo der Betreiber es erlaubt).',
    credentials_in_url: 'Adressen, die einen Benutzernamen oder ein Passwort enthalten, werden nicht abgerufen.',
    private_address: 'Die Website verweist auf eine Adresse, die nicht öffentlich erreichbar ist.',
    dns_error: 'Der Hostname der Website konnte nicht aufgelöst werden.',
    network_error: 'Die Website war nicht erreichbar.',
    tls_error: 'Das TLS-Zertifikat der Website konnte nicht überprüft werden.',
    timeout: 'Die Website hat nicht rechtzeitig geantwortet.',
    too_large: 'Die Antwort der Website ist zu groß.',
    too_many_redirects: 'Die Website hat zu oft weitergeleitet.',
    bad_status: 'Die Website hat mit einem Fehlerstatus geantwortet.',
    busy: 'Gerade werden zu viele Websites geprüft; versuchen Sie es gleich noch einmal.',
    rate_limited: 'Für diese Adresse wurden zu viele neue Websites geprüft; versuchen Sie es in ein paar Minuten erneut.',
  },

  xmpp_unavailable: {
    title: 'Anmeldedienst nicht verfügbar',
    detail: 'Der Chat-Server, der die Passwörter dieser Domain prüft, ist gerade nicht erreichbar. An Ihrer Eingabe war nichts falsch: Bitte versuchen Sie es gleich noch einmal.',
  },

  unknown_user: { title: 'Unbekannter Benutzer', detail: 'Dieses Konto gibt es nicht' },
  unknown_account: { title: 'Unbekanntes Konto', detail: 'kein Konto {{account}}' },
  user_exists: { title: 'Konto existiert', detail: '{{account}} existiert bereits' },
  invalid_username: {
    title: 'Ungültiger Benutzername',
    detail: 'ungültiger Benutzername: {{reason}}',
    empty: 'er ist leer',
    too_long: 'er ist länger als {{max}} Bytes',
    character: 'das Zeichen {{character}} ist im lokalen Teil einer JID nicht erlaubt',
    space_or_control: 'er enthält ein Leerzeichen, ein Steuerzeichen oder ein nicht zugewiesenes Zeichen',
  },
  invalid_password: {
    title: 'Passwort nicht annehmbar',
    too_short: 'ein Passwort braucht mindestens {{min}} Zeichen',
    too_long: 'ein Passwort darf höchstens {{max}} Zeichen haben',
  },
  xmpp_accounts: {
    title: 'Vom XMPP-Server verwaltete Konten',
    detail:
      '{{domain}} hat accounts: xmpp: Sein XMPP-Server prüft die Passwörter, daher gibt es keine lokalen Passwörter zu setzen; jedes Konto dieses Servers meldet sich mit seinem XMPP-Passwort an, ein lokales Konto ist nicht nötig',
  },
  invalid_profile_field: {
    title: 'Ungültiges Profilfeld',
    detail: '{{field}}: {{reason}}',
    empty: 'ist leer',
    too_long: 'ist länger als {{max}} Zeichen',
    control: 'enthält Steuerzeichen',
    email: 'ist keine E-Mail-Adresse',
    dob_form: 'muss die Form JJJJ-MM-TT haben (00 für unbekannte Teile)',
    dob_date: 'ist kein Kalenderdatum',
    gender: 'muss M oder F sein',
    country: 'muss ein Code nach ISO 3166-1 alpha-2 sein, etwa DE',
    language: 'muss ein Code nach ISO 639 sein, etwa de oder de-AT',
    timezone: 'muss eine IANA-Zeitzone sein, etwa Europe/Berlin',
    phone_characters: 'darf nur Ziffern, Leerzeichen, Punkte, Bindestriche, Klammern und ein führendes + enthalten',
    phone_international: 'muss im internationalen Format sein: + und die Landesvorwahl, z. B. +49 30 1234567',
    phone_country_code: 'muss mit + und der Landesvorwahl beginnen, die nie mit 0 beginnt',
    phone_digits: 'muss nach dem + 7 bis 15 Ziffern haben (ITU-T E.164)',
    phone_invalid: 'ist keine Telefonnummer im internationalen Format',
  },

  not_ready: {
    title: 'Nicht bereit',
    database: 'Die Datenbank ist nicht erreichbar.',
    migrations: 'Datenbankmigrationen stehen aus: {{migrations}}.',
  },
} satisfies Catalogue;
