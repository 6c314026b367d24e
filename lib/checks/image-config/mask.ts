/**
 * What a value flagged by its name alone (no secret rule gave a mask) is shown as. Such values are
 * mostly human-chosen passwords, where even a prefix helps a guesser, so nothing of the value is
 * shown and the star count is fixed to hide its length.
 */
export const MASKED = "********";
