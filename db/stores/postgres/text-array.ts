import { type SQL, sql } from 'drizzle-orm';

/**
 * A text[] from one JSON parameter, for `column = any(…)`: drizzle spreads a JS array into a list
 * of parameters (`any(($1, $2))`, a row, not an array), and one parameter has no bound limit.
 */
export function textArray(values: readonly string[]): SQL {
  return sql`array(select json_array_elements_text(${JSON.stringify(values)}::json))`;
}
