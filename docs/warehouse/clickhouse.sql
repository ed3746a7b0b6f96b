-- AIOpt baseline summary rows from a usage table: ClickHouse (tested with 26.9, in chDB).
--
-- Reads a table or view named `usage` with the AIOpt columns (README.md beside this file):
--   ts, provider, model, input_tokens, output_tokens, feature_tag, retries, status, finish_reason,
--   cached_input_tokens, cache_write_tokens, reasoning_tokens, billed_cost
-- Writes one row per cell, per day and per group (column `kind`), in one scan of the table: the
-- three kinds are grouping sets of one GROUP BY.  Export the rows as CSV, then
--   aiopt baseline import-rows rows.csv -o baseline-summary.json
--
-- Run:  clickhouse-client --queries-file docs/warehouse/clickhouse.sql --format CSVWithNames > rows.csv
-- `ts` is DateTime or DateTime64 (any time zone: epochs are zone-free).  The tier_class CASE
-- embeds the installed price data's tier thresholds: after a price-data update, replace it with
-- the output of `aiopt baseline thresholds --sql`.

WITH normalized AS (
  SELECT
    coalesce(feature_tag, '')                                               AS feature,
    lower(coalesce(provider, ''))                                           AS provider,
    model,
    -- tier_class: how many price-tier thresholds the input exceeds
    CASE
      WHEN input_tokens <= 32000 THEN 0
      WHEN input_tokens <= 100000 THEN 1
      WHEN input_tokens <= 128000 THEN 2
      WHEN input_tokens <= 199999 THEN 3
      WHEN input_tokens <= 200000 THEN 4
      WHEN input_tokens <= 256000 THEN 5
      WHEN input_tokens <= 272000 THEN 6
      WHEN input_tokens <= 512000 THEN 7
      WHEN input_tokens <= 524288 THEN 8
      ELSE 9
    END                                                                     AS tier_class,
    input_tokens                                                            AS input,
    coalesce(output_tokens, 0)                                              AS output,
    least(coalesce(cached_input_tokens, 0), input_tokens)                   AS cached,
    coalesce(cache_write_tokens, 0)                                         AS cache_write_raw,
    least(coalesce(reasoning_tokens, 0), coalesce(output_tokens, 0))        AS reasoning,
    coalesce(retries, 0)                                                    AS retry_count,
    lower(coalesce(status, '')) IN ('ok', 'success', 'succeeded', '200', 'completed', '') AS ok,
    CASE WHEN lower(coalesce(finish_reason, '')) IN ('length', 'max_tokens', 'max_output_tokens')
         THEN 1 ELSE 0 END                                                  AS truncated,
    billed_cost                                                             AS cost,
    toUnixTimestamp64Micro(toDateTime64(ts, 6)) / 1e6                       AS epoch_s,
    intDiv(toUnixTimestamp(ts), 86400)                                      AS day
  FROM usage
  WHERE model <> ''
    AND input_tokens BETWEEN 0 AND 999999999
    AND coalesce(output_tokens, 0) BETWEEN 0 AND 999999999
    AND coalesce(cached_input_tokens, 0) BETWEEN 0 AND 999999999
    AND coalesce(cache_write_tokens, 0) BETWEEN 0 AND 999999999
    AND coalesce(reasoning_tokens, 0) BETWEEN 0 AND 999999999
),
requests AS (
  SELECT *, least(cache_write_raw, input - cached) AS cache_write FROM normalized
)
SELECT
  CASE WHEN grouping(tier_class) = 0 THEN 'cell'
       WHEN grouping(day) = 0 THEN 'day'
       ELSE 'group' END                                   AS kind,
  feature                                                 AS feature,
  provider                                                AS provider,
  model                                                   AS model,
  tier_class                                              AS tier_class,
  output                                                  AS output_tokens,
  truncated                                               AS truncated,
  day                                                     AS day,
  count()                                                 AS requests,
  sum(input)                                              AS input_sum,
  sum(cached)                                             AS cached_sum,
  sum(cache_write)                                        AS cache_write_sum,
  sum(output)                                             AS output_sum,
  sum(reasoning)                                          AS reasoning_sum,
  countIf(NOT ok)                                         AS failed,
  sum(retry_count)                                        AS retries,
  coalesce(sum(cost), 0)                                  AS billed_cost,
  count(cost)                                             AS billed_rows,
  sumIf(input, NOT ok)                                    AS failed_input_sum,
  sumIf(cached, NOT ok)                                   AS failed_cached_sum,
  sumIf(cache_write, NOT ok)                              AS failed_cache_write_sum,
  sumIf(output, NOT ok)                                   AS failed_output_sum,
  sumIf(reasoning, NOT ok)                                AS failed_reasoning_sum,
  max(input)                                              AS max_input,
  min(epoch_s)                                            AS first_ts,
  max(epoch_s)                                            AS last_ts
FROM requests
GROUP BY GROUPING SETS (
  (feature, provider, model, tier_class, output, truncated),   -- cells
  (feature, provider, model, day),                             -- per-day sums
  (feature, provider, model)                                   -- group counters
)
SETTINGS group_by_use_nulls = 1;
