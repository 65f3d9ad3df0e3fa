// The CLI's version, as its package says (kept in step by hand: the bundle has no package.json).
export const version = "0.1.0";
