/*
 * The functions a sandboxed query may call, as data.
 *
 * How the list was chosen: every name of DuckDB 1.5's `SELECT DISTINCT function_name, function_type FROM
 * duckdb_functions()` (with the built-in json, parquet and icu extensions loaded) was read, and a name was kept
 * only if the function computes on its arguments alone: arithmetic, strings, regular expressions, dates and
 * times, lists, structs, maps, JSON values, aggregates and window functions, and the helpers of casts. A
 * macro was kept only if its body calls kept functions (sandbox.test.ts checks each one). Reading the clock
 * or drawing a random number reads no state of the engine, so `now`, `current_date`, `random` and `uuid` stay.
 *
 * Left out, so refused: anything that reads or reveals state outside the query (settings, variables, the
 * session's catalog, schema, user or query, transaction and connection ids, sequences, `version`,
 * `platform`, the environment), catalog metadata (`pg_*`, `duckdb_*`, `pragma_*`, `has_*_privilege`,
 * `*_description`, `format_type`, `get_block_size`, `make_type`, `st_setcrs`, `in_search_path`, `icu_*`:
 * collations stay reachable through COLLATE), internals (`stats`, `vector_type`, `__internal_*`,
 * `sum_no_overflow`, `unpivot_list`, the variant byte converters, aggregate states `combine`/`finalize`), SQL handling
 * (`*_serialize_*`, `json_deserialize_sql`, `query`, `query_table`), files (`read_*`, `glob`, `sniff_csv`,
 * `parquet_*`), secrets and logs (`which_secret`, `write_log`, `parse_duckdb_log_message`), and calls that
 * change or stall the engine (`setseed` would change `random` for the next query on a warm engine,
 * `sleep_ms`, `pg_sleep`, `nextval`). `error` is kept: it raises the query's own text, which a query can
 * already return as a value, and it reads nothing.
 *
 * Each group is sorted; a name must exist in duckdb_functions() (sandbox.test.ts keeps the list from rotting).
 */

function names(list: string): readonly string[] {
  return list.trim().split(/\s+/);
}

/** Operators reach the tree as FUNCTION nodes named by their symbol. */
const OPERATORS = names(`
  !__postfix !~~ !~~* % & && * ** + - ->> / // <-> << <=> <@ >> @ @> ^ ^@ | || ~ ~~ ~~* ~~~
`);

const NUMBERS = names(`
  abs acos acosh add asin asinh atan atan2 atanh bit_count cbrt ceil ceiling cos cosh cot degrees divide even
  exp factorial fdiv floor fmod gamma gcd gen_random_uuid greatest greatest_common_divisor hash isfinite isinf
  isnan lcm least least_common_multiple lgamma ln log log10 log2 md5 md5_number md5_number_lower
  md5_number_upper mod multiply nextafter pi pow power radians random round round_even roundbankers sha1
  sha256 sign signbit sin sinh sqrt subtract tan tanh trunc uuid uuid_extract_timestamp uuid_extract_version
  uuidv4 uuidv7 xor
`);

const STRINGS = names(`
  ascii bar base64 bin bit_length bit_position bitstring char_length character_length chr concat concat_ws
  contains damerau_levenshtein decode editdist3 encode ends_with format formatReadableDecimalSize
  formatReadableSize format_bytes from_base64 from_binary from_hex get_bit hamming hex ilike_escape instr
  jaccard jaro_similarity jaro_winkler_similarity lcase left left_grapheme len length length_grapheme
  levenshtein like_escape lower lpad ltrim mismatches nfc_normalize not_ilike_escape not_like_escape
  octet_length ord parse_dirname parse_dirpath parse_filename parse_formatted_bytes parse_path position prefix
  printf repeat replace reverse right right_grapheme rpad rtrim set_bit split split_part starts_with str_split
  string_split string_to_array strip_accents strlen strpos substr substring substring_grapheme suffix to_base
  to_base64 to_binary to_hex translate trim ucase unbin unhex unicode upper url_decode url_encode
`);

const REGEX = names(`
  regexp_escape regexp_extract regexp_extract_all regexp_full_match regexp_matches regexp_replace
  regexp_split_to_array regexp_split_to_table str_split_regex string_split_regex
`);

const DATES = names(`
  age ago century current_date current_localtime current_localtimestamp date_add date_diff date_part date_sub
  date_trunc datediff datepart datesub datetrunc day dayname dayofmonth dayofweek dayofyear days_in_month
  decade epoch epoch_ms epoch_ns epoch_us era get_current_time get_current_timestamp hour isodow isoyear
  julian last_day make_date make_time make_timestamp make_timestamp_ms make_timestamp_ns make_timestamptz
  microsecond millennium millisecond minute month monthname nanosecond normalized_interval now quarter second
  strftime strptime time_bucket timetz_byte_comparable timezone timezone_hour timezone_minute to_centuries
  to_days to_decades to_hours to_microseconds to_millennia to_milliseconds to_minutes to_months to_quarters
  to_seconds to_timestamp to_weeks to_years today transaction_timestamp try_strptime week weekday weekofyear
  year yearweek
`);

const LISTS = names(`
  aggregate apply array_aggr array_aggregate array_append array_apply array_cat array_concat array_contains
  array_cosine_distance array_cosine_similarity array_cross_product array_distance array_distinct
  array_dot_product array_extract array_filter array_grade_up array_has array_has_all array_has_any
  array_indexof array_inner_product array_intersect array_length array_negative_dot_product
  array_negative_inner_product array_pop_back array_pop_front array_position array_prepend array_push_back
  array_push_front array_reduce array_resize array_reverse array_reverse_sort array_select array_slice
  array_sort array_to_string array_to_string_comma_default array_transform array_unique array_value
  array_where array_zip cardinality element_at equi_width_bins filter flatten generate_series
  generate_subscripts grade_up is_histogram_other_bin list_aggr list_aggregate list_any_value list_append
  list_apply list_approx_count_distinct list_avg list_bit_and list_bit_or list_bit_xor list_bool_and
  list_bool_or list_cat list_concat list_contains list_cosine_distance list_cosine_similarity list_count
  list_distance list_distinct list_dot_product list_element list_entropy list_extract list_filter list_first
  list_grade_up list_has list_has_all list_has_any list_histogram list_indexof list_inner_product
  list_intersect list_kurtosis list_kurtosis_pop list_last list_mad list_max list_median list_min list_mode
  list_negative_dot_product list_negative_inner_product list_pack list_position list_prepend list_product
  list_reduce list_resize list_reverse list_reverse_sort list_select list_sem list_skewness list_slice
  list_sort list_stddev_pop list_stddev_samp list_string_agg list_sum list_transform list_unique list_value
  list_var_pop list_var_samp list_where list_zip range reduce unnest
`);

const STRUCTS = names(`
  enum_code enum_first enum_last enum_range enum_range_boundary map map_concat map_contains map_contains_entry
  map_contains_value map_entries map_extract map_extract_value map_from_entries map_keys map_values
  remap_struct row struct_concat struct_contains struct_extract struct_extract_at struct_has struct_indexof
  struct_insert struct_keys struct_pack struct_position struct_update struct_values union_extract union_tag
  union_value variant_extract variant_normalize variant_typeof
`);

const JSON_VALUES = names(`
  array_to_json from_json from_json_strict json json_array json_array_length json_contains json_exists
  json_extract json_extract_path json_extract_path_text json_extract_string json_group_array json_group_object
  json_group_structure json_keys json_merge_patch json_object json_pretty json_quote json_structure
  json_transform json_transform_strict json_type json_valid json_value row_to_json to_json
`);

const GEOMETRY = names(`
  st_asbinary st_astext st_aswkb st_aswkt st_crs st_geomfromwkb st_intersects_extent
`);

/** Helpers of casts and types, and conditionals. */
const TYPES = names(`
  alias can_cast_implicitly cast_to_type constant_or_null create_sort_key error get_type nullif replace_type
  switch typeof
`);

const AGGREGATES = names(`
  any_value approx_count_distinct approx_quantile approx_top_k arbitrary arg_max arg_max_null
  arg_max_nulls_last arg_min arg_min_null arg_min_nulls_last argmax argmin array_agg avg bit_and bit_or
  bit_xor bitstring_agg bool_and bool_or corr count count_if count_star countif covar_pop covar_samp entropy
  favg first fsum geomean geometric_mean group_concat histogram histogram_exact kahan_sum kurtosis
  kurtosis_pop last list listagg mad max max_by mean median min min_by mode product quantile quantile_cont
  quantile_disc regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy
  reservoir_quantile sem skewness stddev stddev_pop stddev_samp string_agg sum sumkahan var_pop var_samp
  variance wavg weighted_avg
`);

const WINDOWS = names(`
  cume_dist dense_rank fill first_value lag last_value lead nth_value ntile percent_rank rank rank_dense
  row_number
`);

/** The groups, exported for the tests that keep them sorted and existing. */
export const FUNCTION_GROUPS: Readonly<Record<string, readonly string[]>> = {
  OPERATORS,
  NUMBERS,
  STRINGS,
  REGEX,
  DATES,
  LISTS,
  STRUCTS,
  JSON_VALUES,
  GEOMETRY,
  TYPES,
  AGGREGATES,
  WINDOWS,
};

/** Scalar, aggregate and window functions a query may call, lower-cased as DuckDB compares them. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set(
  Object.values(FUNCTION_GROUPS).flatMap((group) => group.map((name) => name.toLowerCase())),
);

/** Table functions that read no data from outside the query. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['generate_series', 'range', 'unnest']);

/**
 * Calls DuckDB's parser itself writes as `main.<name>` (`[1, 2]` is `main.list_value(1, 2)`, `EXTRACT` is
 * `main.date_part`): the only schema-qualified calls accepted, since the tree cannot tell them from the
 * same call written out, which resolves to the same built-in.
 */
export const PARSER_QUALIFIED_FUNCTIONS: ReadonlySet<string> = new Set(
  names(`
  date_part ilike_escape like_escape list_apply list_filter list_value ltrim map not_ilike_escape
  not_like_escape position row rtrim struct_extract struct_pack substring timezone trim
  `),
);
