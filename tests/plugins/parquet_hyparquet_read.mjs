// Reads a Parquet file with hyparquet (an independent JavaScript reader) and prints
// one JSON document: {"num_rows", "row_groups", "columns": [{path, codec, encodings,
// num_values, statistics}...] of the first row group, "rows": [...]}. Used by
// tests/plugins/exporter_parquet_test.cpp to check the files exporter/parquet writes.
//
//   node parquet_hyparquet_read.mjs <npm prefix with hyparquet + hyparquet-compressors> <file>
//
// INT64 values arrive as BigInt; they are printed as numbers when exactly
// representable, else as strings of digits. Exit code 1 with a message on error.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [prefix, file] = process.argv.slice(2)
if (!prefix || !file) {
  console.error('usage: node parquet_hyparquet_read.mjs <npm-prefix> <file.parquet>')
  process.exit(2)
}
const modules = join(prefix, 'node_modules')
const hyparquet = await import(pathToFileURL(join(modules, 'hyparquet', 'src', 'index.js')).href)
const { compressors } = await import(
  pathToFileURL(join(modules, 'hyparquet-compressors', 'src', 'index.js')).href)

const bytes = readFileSync(file)
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
const metadata = hyparquet.parquetMetadata(buffer)
const rows = await hyparquet.parquetReadObjects({ file: buffer, compressors })

function plain(v) {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v) : v.toString()
  }
  if (Array.isArray(v)) return v.map(plain)
  if (v instanceof Uint8Array) return Array.from(v)
  if (v && typeof v === 'object') {
    const out = {}
    for (const [k, x] of Object.entries(v)) out[k] = plain(x)
    return out
  }
  return v
}

const first = metadata.row_groups[0]
const columns = first ? first.columns.map(c => ({
  path: c.meta_data.path_in_schema.join('.'),
  codec: c.meta_data.codec,
  encodings: c.meta_data.encodings,
  num_values: plain(c.meta_data.num_values),
  statistics: c.meta_data.statistics ? plain({
    null_count: c.meta_data.statistics.null_count,
    min_value: c.meta_data.statistics.min_value,
    max_value: c.meta_data.statistics.max_value,
  }) : null,
})) : []
process.stdout.write(JSON.stringify({
  num_rows: plain(metadata.num_rows),
  row_groups: metadata.row_groups.length,
  columns,
  rows: rows.map(plain),
}) + '\n')
