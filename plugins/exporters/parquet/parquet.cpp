// exporter/parquet — writes records as an Apache Parquet file with winnow's own
// writer. The contract and the class are in parquet_exporter.h (exporter/hf_hub
// embeds the same class for its Parquet data files).
#include "parquet_exporter.h"

WINNOW_PLUGIN(winnow::PluginKind::kExporter, "parquet", "1.0.0",
              "Writes Apache Parquet (nested lists and structs, dictionary encoding, snappy or "
              "zstd) with winnow's own writer, atomically.",
              winnow::pqw::ParquetOutConfig, winnow::pqw::ParquetExporter,
              winnow::pqw::ParquetOutSchema)
