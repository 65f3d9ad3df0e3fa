// A search parameter as one string: @solidjs/router gives an array when the key repeats
// (?status=failed&status=queued), and a hand-edited address may do that.
export const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
