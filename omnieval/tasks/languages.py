"""Language facts the speech tasks need: FLEURS configs, English names, scripts without spaces."""

from __future__ import annotations

# FLEURS config -> (task suffix, English name used in the "Transcribe the <X> audio" prompt)
FLEURS_LANGUAGES: dict[str, tuple[str, str]] = {
    "af_za": ("af", "Afrikaans"),
    "am_et": ("am", "Amharic"),
    "ar_eg": ("ar", "Arabic"),
    "as_in": ("as", "Assamese"),
    "ast_es": ("ast", "Asturian"),
    "az_az": ("az", "Azerbaijani"),
    "be_by": ("be", "Belarusian"),
    "bg_bg": ("bg", "Bulgarian"),
    "bn_in": ("bn", "Bengali"),
    "bs_ba": ("bs", "Bosnian"),
    "ca_es": ("ca", "Catalan"),
    "ceb_ph": ("ceb", "Cebuano"),
    "ckb_iq": ("ckb", "Sorani Kurdish"),
    "cmn_hans_cn": ("zh", "Chinese"),
    "cs_cz": ("cs", "Czech"),
    "cy_gb": ("cy", "Welsh"),
    "da_dk": ("da", "Danish"),
    "de_de": ("de", "German"),
    "el_gr": ("el", "Greek"),
    "en_us": ("en", "English"),
    "es_419": ("es", "Spanish"),
    "et_ee": ("et", "Estonian"),
    "fa_ir": ("fa", "Persian"),
    "ff_sn": ("ff", "Fula"),
    "fi_fi": ("fi", "Finnish"),
    "fil_ph": ("fil", "Filipino"),
    "fr_fr": ("fr", "French"),
    "ga_ie": ("ga", "Irish"),
    "gl_es": ("gl", "Galician"),
    "gu_in": ("gu", "Gujarati"),
    "ha_ng": ("ha", "Hausa"),
    "he_il": ("he", "Hebrew"),
    "hi_in": ("hi", "Hindi"),
    "hr_hr": ("hr", "Croatian"),
    "hu_hu": ("hu", "Hungarian"),
    "hy_am": ("hy", "Armenian"),
    "id_id": ("id", "Indonesian"),
    "ig_ng": ("ig", "Igbo"),
    "is_is": ("is", "Icelandic"),
    "it_it": ("it", "Italian"),
    "ja_jp": ("ja", "Japanese"),
    "jv_id": ("jv", "Javanese"),
    "ka_ge": ("ka", "Georgian"),
    "kam_ke": ("kam", "Kamba"),
    "kea_cv": ("kea", "Kabuverdianu"),
    "kk_kz": ("kk", "Kazakh"),
    "km_kh": ("km", "Khmer"),
    "kn_in": ("kn", "Kannada"),
    "ko_kr": ("ko", "Korean"),
    "ky_kg": ("ky", "Kyrgyz"),
    "lb_lu": ("lb", "Luxembourgish"),
    "lg_ug": ("lg", "Ganda"),
    "ln_cd": ("ln", "Lingala"),
    "lo_la": ("lo", "Lao"),
    "lt_lt": ("lt", "Lithuanian"),
    "luo_ke": ("luo", "Luo"),
    "lv_lv": ("lv", "Latvian"),
    "mi_nz": ("mi", "Maori"),
    "mk_mk": ("mk", "Macedonian"),
    "ml_in": ("ml", "Malayalam"),
    "mn_mn": ("mn", "Mongolian"),
    "mr_in": ("mr", "Marathi"),
    "ms_my": ("ms", "Malay"),
    "mt_mt": ("mt", "Maltese"),
    "my_mm": ("my", "Burmese"),
    "nb_no": ("nb", "Norwegian"),
    "ne_np": ("ne", "Nepali"),
    "nl_nl": ("nl", "Dutch"),
    "nso_za": ("nso", "Northern Sotho"),
    "ny_mw": ("ny", "Nyanja"),
    "oc_fr": ("oc", "Occitan"),
    "om_et": ("om", "Oromo"),
    "or_in": ("or", "Odia"),
    "pa_in": ("pa", "Punjabi"),
    "pl_pl": ("pl", "Polish"),
    "ps_af": ("ps", "Pashto"),
    "pt_br": ("pt", "Portuguese"),
    "ro_ro": ("ro", "Romanian"),
    "ru_ru": ("ru", "Russian"),
    "sd_in": ("sd", "Sindhi"),
    "sk_sk": ("sk", "Slovak"),
    "sl_si": ("sl", "Slovenian"),
    "sn_zw": ("sn", "Shona"),
    "so_so": ("so", "Somali"),
    "sr_rs": ("sr", "Serbian"),
    "sv_se": ("sv", "Swedish"),
    "sw_ke": ("sw", "Swahili"),
    "ta_in": ("ta", "Tamil"),
    "te_in": ("te", "Telugu"),
    "tg_tj": ("tg", "Tajik"),
    "th_th": ("th", "Thai"),
    "tr_tr": ("tr", "Turkish"),
    "uk_ua": ("uk", "Ukrainian"),
    "umb_ao": ("umb", "Umbundu"),
    "ur_pk": ("ur", "Urdu"),
    "uz_uz": ("uz", "Uzbek"),
    "vi_vn": ("vi", "Vietnamese"),
    "wo_sn": ("wo", "Wolof"),
    "xh_za": ("xh", "Xhosa"),
    "yo_ng": ("yo", "Yoruba"),
    "yue_hant_hk": ("yue", "Cantonese"),
    "zu_za": ("zu", "Zulu"),
}

# Written without spaces between words: scored by character error rate. The issue lists
# Chinese, Japanese, Korean and Thai; Lao, Burmese and Khmer are unsegmented for the same reason.
CHARACTER_LANGUAGES = frozenset({"zh", "yue", "ja", "ko", "th", "lo", "my", "km"})

# Qwen3-Omni's "Fleurs avg (19 languages)" (tech report arXiv:2509.17765, Table 6, footnote a).
QWEN3_OMNI_FLEURS_19 = (
    "ar",
    "yue",
    "zh",
    "nl",
    "en",
    "fr",
    "de",
    "id",
    "it",
    "ja",
    "ko",
    "ms",
    "pt",
    "ru",
    "es",
    "th",
    "tr",
    "ur",
    "vi",
)

# The 15 languages of Qwen3-Omni's FLEURS S2TT averages (README, footnote c of the S2TT rows):
# "en2xx" averages English into each of the other 14, and so on.
QWEN3_OMNI_S2TT_15 = (
    "ar",
    "yue",
    "zh",
    "en",
    "fr",
    "de",
    "id",
    "it",
    "ja",
    "ko",
    "pt",
    "ru",
    "es",
    "th",
    "vi",
)


def unit_for(language: str) -> str:
    """What an error rate counts in a language: characters where it is written without spaces, else words."""
    return "char" if language in CHARACTER_LANGUAGES else "word"


def normalizer_for(language: str) -> str:
    """The normalizer (omnieval.metrics.normalizers) the ASR tasks use for a language, by its code:
    Qwen's English one, characters for languages written without spaces, Whisper's basic one otherwise."""
    if language == "en":
        return "qwen_english"
    if language == "zh":
        return "chinese"
    if language == "yue":
        return "chars_simplified"
    return "chars" if language in CHARACTER_LANGUAGES else "whisper_basic"
