import type { Catalogue } from '../../catalogue.js';

export default {} satisfies Catalogue;
