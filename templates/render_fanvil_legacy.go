package templates

// Fanvil firmware before 2.2.10 (X2, X3S, X4, X5, X6 …): the old
// <VOIP_CONFIG_FILE> format with one module per area and a
// <SIP_Line_List_Entry> per line (wazo-provd-plugins fanvil base.tpl;
// vendors.md §7.3). V is the fanvil family's (fanvilView): server URL,
// file name, interval, transport codes and time zone are the same fields
// under their old names. Every such model is unsupported, so the family
// renders frozen configs.
//
// Device trust: the device credential is AUTOUPDATE_CONFIG_MODULE
// Download_Username / Download_Password (device file only), the web-UI
// password an MMI_CONFIG_MODULE/MMI_Account entry with Level 10 (admin;
// wazo fanvil base.tpl). No custom CA parameter is named for the old
// format, so no fanvil-legacy model has custom_ca; SIP TLS is
// SIP_Line_List_Entry Transport 3 (wazo fanvil common.py _SIP_TRANSPORT,
// used by the old-format base.tpl).
