-- AIOpt baseline summary rows from a usage table: BigQuery (GoogleSQL).
--
-- Reads a table or view named `usage` (in the query's default dataset) with the AIOpt columns
-- (README.md beside this file):
--   ts, provider, model, input_tokens, output_tokens, feature_tag, retries, status, finish_reason,
--   cached_input_tokens, cache_write_tokens, reasoning_tokens, billed_cost
-- Writes one row per cell, per day and per group (column `kind`), in one scan of the table: the
-- three kinds are grouping sets of one GROUP BY.  Export the rows as CSV or JSON lines, then
--   aiopt baseline import-rows rows-*.csv -o baseline-summary.json
--
-- Run:  bq query --use_legacy_sql=false --dataset_id=PROJECT:DATASET --format=csv \
--         --max_rows=10000000 < docs/warehouse/bigquery.sql > rows.csv
-- or wrap it in EXPORT DATA OPTIONS (uri = 'gs://BUCKET/aiopt/rows-*.csv', format = 'CSV',
-- header = true, overwrite = true) AS ... and fetch the files.  `ts` is a TIMESTAMP (a DATETIME
-- column: TIMESTAMP(dt) in your view).  The tier_class CASE embeds the installed price data's
-- tier thresholds: after a price-data update, replace it with `aiopt baseline thresholds --sql`.

WITH normalized AS (
  SELECT
    COALESCE(feature_tag, '')                                               AS feature,
    LOWER(COALESCE(provider, ''))                                           AS provider,
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
    COALESCE(output_tokens, 0)                                              AS output,
    LEAST(COALESCE(cached_input_tokens, 0), input_tokens)                   AS cached,
    COALESCE(cache_write_tokens, 0)                                         AS cache_write_raw,
    LEAST(COALESCE(reasoning_tokens, 0), COALESCE(output_tokens, 0))        AS reasoning,
    COALESCE(retries, 0)                                                    AS retry_count,
    LOWER(COALESCE(status, '')) IN ('ok', 'success', 'succeeded', '200', 'completed', '') AS ok,
    CASE WHEN LOWER(COALESCE(finish_reason, '')) IN ('length', 'max_tokens', 'max_output_tokens')
         THEN 1 ELSE 0 END                                                  AS truncated,
    billed_cost                                                             AS cost,
    UNIX_MICROS(ts) / 1e6                                                   AS epoch_s,
    UNIX_DATE(DATE(ts))                                                     AS day
  FROM usage
  WHERE model <> ''
    AND input_tokens BETWEEN 0 AND 999999999
    AND COALESCE(output_tokens, 0) BETWEEN 0 AND 999999999
    AND COALESCE(cached_input_tokens, 0) BETWEEN 0 AND 999999999
    AND COALESCE(cache_write_tokens, 0) BETWEEN 0 AND 999999999
    AND COALESCE(reasoning_tokens, 0) BETWEEN 0 AND 999999999
),
requests AS (
  SELECT *, LEAST(cache_write_raw, input - cached) AS cache_write FROM normalized
)
SELECT
  CASE WHEN GROUPING(tier_class) = 0 THEN 'cell'
       WHEN GROUPING(day) = 0 THEN 'day'
       ELSE 'group' END                                   AS kind,
  feature                                                 AS feature,
  provider                                                AS provider,
  model                                                   AS model,
  tier_class                                              AS tier_class,
  output                                                  AS output_tokens,
  truncated                                               AS truncated,
  day                                                     AS day,
  COUNT(*)                                                AS requests,
  SUM(input)                                              AS input_sum,
  SUM(cached)                                             AS cached_sum,
  SUM(cache_write)                                        AS cache_write_sum,
  SUM(output)                                             AS output_sum,
  SUM(reasoning)                                          AS reasoning_sum,
  COUNTIF(NOT ok)                                         AS failed,
  SUM(retry_count)                                        AS retries,
  COALESCE(SUM(cost), 0)                                  AS billed_cost,
  COUNT(cost)                                             AS billed_rows,
  SUM(IF(NOT ok, input, 0))                               AS failed_input_sum,
  SUM(IF(NOT ok, cached, 0))                              AS failed_cached_sum,
  SUM(IF(NOT ok, cache_write, 0))                         AS failed_cache_write_sum,
  SUM(IF(NOT ok, output, 0))                              AS failed_output_sum,
  SUM(IF(NOT ok, reasoning, 0))                           AS failed_reasoning_sum,
  MAX(input)                                              AS max_input,
  MIN(epoch_s)                                            AS first_ts,
  MAX(epoch_s)                                            AS last_ts
FROM requests
GROUP BY GROUPING SETS (
  (feature, provider, model, tier_class, output, truncated),   -- cells
  (feature, provider, model, day),                             -- per-day sums
  (feature, provider, model)                                   -- group counters
);
