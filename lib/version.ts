/** Kept equal to package.json's version by a test; lib/ does not read files to learn it. */
export const PORTCULLIS_VERSION = "0.1.0";
