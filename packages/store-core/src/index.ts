/** The version of the store contract this package implements. */
export const CONTRACT_VERSION = 1;
