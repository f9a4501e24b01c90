#ifndef CHTSLIB_SHIM_H
#define CHTSLIB_SHIM_H
// htslib 1.16 headers for FASTA (faidx) and VCF/BCF (vcf, tbx, synced reader). Macros that Swift cannot import
// get a static inline chts_* wrapper here, each with a "Wraps:" line. Imported only by Sources/SAGEGenome.
#include <stdlib.h>
#include <htslib/hts.h>
#include <htslib/vcf.h>
#include <htslib/tbx.h>
#include <htslib/faidx.h>
#include <htslib/kstring.h>
#include <htslib/bgzf.h>

// Wraps: bcf_hdr_nsamples (macro)
static inline int chts_bcf_hdr_nsamples(const bcf_hdr_t *h) { return bcf_hdr_nsamples(h); }
// Wraps: bcf_get_genotypes (macro over bcf_get_format_values)
static inline int chts_bcf_get_genotypes(const bcf_hdr_t *h, bcf1_t *r, int32_t **dst, int *ndst) {
    return bcf_get_genotypes(h, r, dst, ndst);
}
// Wraps: tbx_itr_querys, tbx_itr_next (macros)
static inline hts_itr_t *chts_tbx_itr_querys(const tbx_t *tbx, const char *reg) { return tbx_itr_querys(tbx, reg); }
static inline int chts_tbx_itr_next(htsFile *fp, tbx_t *tbx, hts_itr_t *itr, kstring_t *s) {
    return tbx_itr_next(fp, tbx, itr, s);
}
// Wraps: bcf_itr_querys (macro; BCF files only)
static inline hts_itr_t *chts_bcf_itr_querys(const hts_idx_t *idx, const bcf_hdr_t *hdr, const char *reg) {
    return bcf_itr_querys(idx, hdr, reg);
}
// Wraps: bcf_int32_vector_end, bcf_int32_missing
static inline int32_t chts_bcf_int32_vector_end(void) { return bcf_int32_vector_end; }
static inline int32_t chts_bcf_int32_missing(void) { return bcf_int32_missing; }
// Wraps: htsFile.fp.bgzf->errcode (a bitfield of BGZF_ERR_* flags; 0 when the file is not read through BGZF)
static inline int chts_bgzf_errcode(const htsFile *fp) { return fp->is_bgzf && fp->fp.bgzf ? (int)fp->fp.bgzf->errcode : 0; }
// Wraps: ks_free (frees a kstring's buffer and resets it)
static inline void chts_ks_free(kstring_t *s) { free(s->s); s->s = NULL; s->l = s->m = 0; }
#endif
