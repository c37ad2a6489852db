import type { Catalogue } from '../../catalogue.js';

export default {
  refused: {
    title: 'Passkey abgewiesen',
    reasons: {
      malformed: 'Der Browser hat keine Passkey-Antwort gesendet, die wir lesen können. Versuchen Sie es erneut.',
      wrong_type: 'Der Browser hat auf eine andere Passkey-Anfrage geantwortet. Versuchen Sie es erneut.',
      challenge_unknown: 'Diese Passkey-Anfrage ist hier unbekannt oder wurde bereits beantwortet. Versuchen Sie es erneut.',
      challenge_expired: 'Diese Passkey-Anfrage ist abgelaufen. Versuchen Sie es erneut.',
      origin_mismatch: 'Der Passkey wurde auf einer anderen Website als dieser verwendet.',
      cross_origin: 'Der Passkey wurde innerhalb der Seite einer anderen Website verwendet.',
      rp_id_mismatch: 'Der Passkey gehört zu einer anderen Website.',
      user_not_present: 'Der Passkey hat nicht bestätigt, dass Sie anwesend waren. Versuchen Sie es erneut.',
      user_not_verified: 'Für eine Anmeldung allein mit dem Passkey muss er prüfen, dass Sie es sind (PIN, Fingerabdruck oder Gesichtserkennung).',
      unknown_credential: 'Dieser Passkey gehört nicht zu diesem Konto.',
      user_handle_mismatch: 'Dieser Passkey gehört nicht zu diesem Konto.',
      already_registered: 'Dieser Passkey ist bereits hinzugefügt.',
      counter_regression: 'Dieser Passkey scheint kopiert worden zu sein: Sein Signaturzähler ist zurückgegangen. Er wurde abgewiesen.',
      bad_signature: 'Die Signatur des Passkeys ist falsch.',
    },
  },
  challenges_exhausted: {
    title: 'Zu viele Passkey-Anfragen',
    detail: 'Aus Ihrem Netzwerk wurden zu viele Anmeldungen mit Passkey begonnen. Versuchen Sie es in einigen Minuten erneut.',
  },
  unavailable: {
    title: 'Hier gibt es keine Passkeys',
    detail: 'Passkeys setzen voraus, dass dieser Dienst unter einem Domainnamen über HTTPS erreichbar ist (WebAuthn Level 3 §5.1.2).',
  },
  sign_in_disabled: {
    title: 'Nicht angeboten',
    detail: 'Die Anmeldung allein mit einem Passkey wird hier nicht angeboten. Melden Sie sich mit Ihrem Passwort an; danach kann ein Passkey als zweiter Faktor abgefragt werden.',
  },
  second_factor_not_pending: {
    title: 'Erneut anmelden',
    detail: 'Ihre Anmeldung ist abgelaufen, bevor der zweite Faktor angegeben wurde. Melden Sie sich erneut an.',
  },
  fresh_sign_in_required: {
    title: 'Erneut anmelden',
    detail: 'Um einen Passkey hinzuzufügen, melden Sie sich zuerst erneut an.',
  },
  browser: {
    not_allowed: 'Der Passkey wurde nicht verwendet (abgebrochen, oder es hat zu lange gedauert). Versuchen Sie es erneut.',
    already_added: 'Dieser Passkey ist bereits hinzugefügt.',
    failed: 'Der Passkey konnte nicht verwendet werden. Versuchen Sie es erneut.',
    options_failed: 'Der Passkey konnte nicht angefordert werden. Laden Sie die Seite neu und versuchen Sie es erneut.',
  },
} satisfies Catalogue;
