package templates

// Fanvil firmware before 2.2.10 (X2, X3S, X4, X5, X6 …): the old
// <VOIP_CONFIG_FILE> format with one module per area and a
// <SIP_Line_List_Entry> per line (wazo-provd-plugins fanvil base.tpl;
// vendors.md §7.3). V is the fanvil family's (fanvilView): server URL,
// file name, interval, transport codes and time zone are the same fields
// under their old names. Every such model is unsupported, so the family
// renders frozen configs.
