#!/usr/bin/env bash
# Rebuilds data/sample.vcf.gz, the annotated sample the demo ingests: 4,000 ClinVar-style
# records from the generator (seed 42) plus the 50 real ClinVar GRCh38 records (with VEP
# CSQ) from the shared data, merged and sorted with bcftools, bgzipped and tabix-indexed.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED_DIR:-../shared}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$shared/tools/gen_vcf.py" --n 4000 --seed 42 | bgzip > "$tmp/gen.vcf.gz"
tabix -p vcf "$tmp/gen.vcf.gz"
bcftools concat -a "$tmp/gen.vcf.gz" "$shared/data/real/clinvar_GRCh38_20211025_50rec.ensembl-vep.vcf.gz" -Ov -o "$tmp/cat.vcf"
bcftools sort "$tmp/cat.vcf" -Oz -o data/sample.vcf.gz
tabix -f -p vcf data/sample.vcf.gz
echo "data/sample.vcf.gz: $(bcftools view -H data/sample.vcf.gz | wc -l) records"
