/** How the endpoint answers the browser at the end of a step of the checkid flow. */
export type Outcome =
  /** An indirect response or a hop to one of our pages (§5.2.1). */
  | { kind: 'redirect'; location: string }
  /** An indirect response too long for a redirect, POSTed by an auto-submitting form (§5.2.2). */
  | { kind: 'form-post'; action: string; fields: { name: string; value: string }[] }
  /** The RP asked not to be returned to (§9.1, no return_to): a page tells the user it is done. */
  | { kind: 'done'; realm: string; approved: boolean };
