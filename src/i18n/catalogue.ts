/** A message catalogue: nested keys, i18next's format (`{{name}}` values, `_one`/`_other` plurals). */
export interface Catalogue {
  readonly [key: string]: string | Catalogue;
}
