package templates

import (
	"maps"
	"net/url"
	"strings"
)

// expected lists, per family and kind, the keys (as flatXML or parseKV
// name them) the golden and hostile configs must produce, with their
// values. Line values go through cleanText (kvEscape for Yealink), the
// only change escaping may make once the file is parsed back.
func expected(fam, kind string, cfg *DeviceConfig) map[string]string {
	l1, l2 := cfg.Lines[0], cfg.Lines[1]
	c := cleanText
	if fam == "yealink" {
		c = func(s string) string { return kvEscape(s) }
	}
	ca, pw, caURL := strings.TrimSuffix(cfg.CACert, "\n"), c(cfg.WebUIPassword), c(cfg.CACertURL)
	auth := "[--uid " + cfg.HTTPUser + " --pwd " + cfg.HTTPPassword + "]"
	userinfo := url.UserPassword(cfg.HTTPUser, cfg.HTTPPassword).String()
	switch fam + "/" + kind {
	case "polycom/master":
		return map[string]string{"APPLICATION@APP_FILE_PATH": cfg.FirmwareURL,
			"APPLICATION@CONFIG_FILES": "phoneprov-0004f2a1b2c3.cfg"}
	case "polycom/phone":
		return prefixed("polycomConfig@", map[string]string{
			"reg.1.address": "1001@phoneprov.test", "reg.1.auth.userId": "a1001",
			"reg.1.auth.password": c(l1.Password), "reg.1.displayName": c(l1.DisplayName),
			"reg.1.label": c(l1.Label), "reg.1.server.1.address": "sip.phoneprov.test",
			"reg.1.server.1.port": "5061", "reg.1.server.1.transport": "TLS",
			"reg.1.server.1.expires": "600", "reg.1.server.1.register": "1",
			"reg.2.server.1.register": "0", "reg.2.displayName": c(l2.DisplayName), "reg.2.auth.userId": "1002",
			"tcpIpApp.sntp.address": "pool.ntp.org", "tcpIpApp.sntp.gmtOffset": "-18000",
			"tcpIpApp.sntp.daylightSavings.enable": "1", "tcpIpApp.sntp.daylightSavings.start.month": "3",
			"tcpIpApp.sntp.daylightSavings.start.date": "8", "tcpIpApp.sntp.daylightSavings.stop.month": "11",
			"lcl.ml.lang": "French_Canada", "tcpIpApp.ice.stun.server": "stun.phoneprov.test",
			"device.prov.serverName": cfg.ProvisionURL, "device.prov.serverType": "3",
			"device.prov.user": cfg.HTTPUser, "device.prov.password": cfg.HTTPPassword,
			"prov.polling.period": "86400", "device.auth.localAdminPassword.set": "1",
			"device.auth.localAdminPassword": pw, "device.sec.TLS.customCaCert1.set": "1",
			"device.sec.TLS.customCaCert1": ca})
	case "yealink/boot":
		return map[string]string{"include": "https://prov.phoneprov.test:8443/p/y000000000123.cfg " +
			"https://prov.phoneprov.test:8443/p/0004f2a1b2c3.cfg", "overwrite_mode": "1"}
	case "yealink/common", "yealink/device":
		m := map[string]string{
			"static.auto_provision.server.url": cfg.ProvisionURL, "static.auto_provision.repeat.minutes": "1440",
			"static.firmware.url": cfg.FirmwareURL, "local_time.ntp_server1": "pool.ntp.org",
			"local_time.time_zone": "-5", "local_time.summer_time": "1", "local_time.start_time": "3/2/7/2",
			"local_time.end_time": "11/1/7/2", "lang.gui": "French", "sip.nat_stun.server": "stun.phoneprov.test",
			"sip.nat_stun.port": "3478", "static.trusted_certificates.url": caURL}
		if kind == KindDevice {
			maps.Copy(m, map[string]string{
				"static.auto_provision.server.username": cfg.HTTPUser,
				"static.auto_provision.server.password": cfg.HTTPPassword,
				"static.security.user_password":         "admin:" + pw,
				"account.1.enable":                      "1", "account.1.user_name": "1001", "account.1.auth_name": "a1001",
				"account.1.password": c(l1.Password), "account.1.display_name": c(l1.DisplayName),
				"account.1.label": c(l1.Label), "account.1.sip_server.1.address": "sip.phoneprov.test",
				"account.1.sip_server.1.port": "5061", "account.1.sip_server.1.transport_type": "2",
				"account.1.sip_server.1.expires": "600", "account.2.enable": "0",
				"account.2.display_name": c(l2.DisplayName)})
		}
		return m
	case "cisco-spa/device", "cisco-mpp/device":
		profile, admin := "spa$MA.xml", "Admin_Passwd"
		if fam == "cisco-mpp" {
			profile, admin = "$MA.xml", "Admin_Password"
		}
		return prefixed("flat-profile/", map[string]string{
			"Line_Enable_1_": "Yes", "Line_Enable_2_": "No", "User_ID_1_": "1001", "Auth_ID_1_": "a1001",
			"Password_1_": c(l1.Password), "Display_Name_1_": c(l1.DisplayName), "Short_Name_1_": c(l1.Label),
			"Display_Name_2_": c(l2.DisplayName), "Proxy_1_": "sip.phoneprov.test:5061",
			"SIP_Transport_1_": "TLS", admin: pw, "Custom_CA_Rule": caURL, "Register_Expires_1_": "600", "Use_DNS_SRV_1_": "No",
			"Primary_NTP_Server": "pool.ntp.org", "Time_Zone": "GMT-05:00",
			"Daylight_Saving_Time_Rule": "start=3/8/7/2:0:0;end=11/1/7/2:0:0;save=1:0:0",
			"STUN_Server":               "stun.phoneprov.test:3478", "Resync_Periodic": "86400",
			"Profile_Rule": auth + "https://prov.phoneprov.test:8443/p/" + profile,
			"Upgrade_Rule": auth + cfg.FirmwareURL})
	case "grandstream/common", "grandstream/device":
		m := map[string]string{"P237": "prov.phoneprov.test:8443/p", "P212": "2", "P194": "3", "P193": "1440",
			"P192": "prov.phoneprov.test:8443/fw", "P30": "pool.ntp.org", "P64": "customize",
			"P246": "EST+5EDT,M3.2.0/02:00:00,M11.1.0/02:00:00", "P1362": "fr", "P76": "stun.phoneprov.test:3478",
			"P8433": ca, "P8502": "2"}
		if kind == KindDevice {
			maps.Copy(m, map[string]string{"P1360": cfg.HTTPUser, "P1361": cfg.HTTPPassword, "P2": pw,
				"P271": "1", "P270": c(l1.Label), "P47": "sip.phoneprov.test:5061", "P35": "1001",
				"P36": "a1001", "P34": c(l1.Password), "P3": c(l1.DisplayName), "P32": "10", "P130": "2",
				"P401": "0", "P404": "1002", "P407": c(l2.DisplayName), "P501": "0", "P502": ""})
		}
		return prefixed("gs_provision/config/", m)
	case "snom/common":
		return map[string]string{"setting-files/file@url": "https://prov.phoneprov.test:8443/p/0004F2A1B2C3.xml"}
	case "snom/device":
		m := prefixed("settings/phone-settings/", map[string]string{
			"user_active[1]": "on", "user_active[2]": "off", "user_name[1]": "1001", "user_pname[1]": "a1001",
			"user_pass[1]": c(l1.Password), "user_realname[1]": c(l1.DisplayName), "user_idle_text[1]": c(l1.Label),
			"user_realname[2]": c(l2.DisplayName), "user_host[1]": "sip.phoneprov.test:5061;transport=tls",
			"user_expiry[1]": "600", "stun_server[1]": "stun.phoneprov.test:3478", "ntp_server": "pool.ntp.org",
			"timezone": "USA-5", "utc_offset": "-18000", "dst": "3600 03.02.7 02:00:00 11.01.7 02:00:00",
			"language": "Francais", "settings_refresh_timer": "86400", "update_policy": "auto_update",
			"setting_server": "https://" + userinfo + "@prov.phoneprov.test:8443/p/0004F2A1B2C3.xml",
			"http_user":      "admin", "http_pass": pw, "webserver_admin_name": "admin",
			"webserver_admin_password": pw, "admin_mode_password": pw})
		m["settings/certificates/certificate@url"] = caURL
		return m
	case "obihai/device":
		return map[string]string{
			"VoiceService.1.VoiceProfile.1.Line.1.Enable": "true", "VoiceService.1.VoiceProfile.1.Line.2.Enable": "false",
			"VoiceService.1.VoiceProfile.1.Line.1.CallerIDName":      c(l1.DisplayName),
			"VoiceService.1.VoiceProfile.1.Line.1.X_DisplayLabel":    c(l1.Label),
			"VoiceService.1.VoiceProfile.1.Line.2.CallerIDName":      c(l2.DisplayName),
			"VoiceService.1.VoiceProfile.1.Line.1.SIP.AuthUserName":  "a1001",
			"VoiceService.1.VoiceProfile.1.Line.1.SIP.AuthPassword":  c(l1.Password),
			"VoiceService.1.VoiceProfile.1.Line.1.SIP.URI":           "1001",
			"VoiceService.1.VoiceProfile.1.SIP.ProxyServer":          "sip.phoneprov.test",
			"VoiceService.1.VoiceProfile.1.SIP.ProxyServerPort":      "5061",
			"VoiceService.1.VoiceProfile.1.SIP.ProxyServerTransport": "TLS",
			"X_DeviceManagement.Security.AdminPassword":              pw,
			"VoiceService.1.VoiceProfile.1.SIP.RegisterExpires":      "600",
			"VoiceService.1.VoiceProfile.1.STUNServer":               "stun.phoneprov.test",
			"X_DeviceManagement.TimeService.NTPServer1":              "pool.ntp.org",
			"X_DeviceManagement.TimeService.LocalTimeZone":           "GMT-05:00",
			"X_DeviceManagement.ITSPProvisioning.Interval":           "86400",
			"X_DeviceManagement.ITSPProvisioning.ConfigURL":          "https://" + userinfo + "@prov.phoneprov.test:8443/p/0004F2A1B2C3.xml",
			"X_DeviceManagement.FirmwareUpdate.FirmwareURL":          cfg.FirmwareURL}
	case "cisco-ent/device":
		line := "device/sipProfile/sipLines/line[1]/"
		return map[string]string{
			"device/devicePool/dateTimeSetting/timeZone":                                    "Eastern Standard/Daylight Time",
			"device/devicePool/dateTimeSetting/ntps/ntp/name":                               "pool.ntp.org",
			"device/devicePool/callManagerGroup/members/member/callManager/ports/sipPort":   "5061",
			"device/devicePool/callManagerGroup/members/member/callManager/processNodeName": "sip.phoneprov.test",
			line + "name": "1001", line + "authName": "a1001", line + "authPassword": c(l1.Password),
			line + "displayName": c(l1.DisplayName), line + "featureLabel": c(l1.Label), line + "contact": "1001",
			"device/sipProfile/phoneLabel": c(l1.Label), "device/sipProfile/sipStack/timerRegisterExpires": "600",
			"device/sipProfile/dialTemplate": "dialplan-8841.xml", "device/loadInformation": "app-2.0.bin",
			"device/transportLayerProtocol": "3"}
	case "cisco-ent/common":
		return map[string]string{"DIALTEMPLATE/TEMPLATE[911]@Timeout": "0", "DIALTEMPLATE/TEMPLATE[*]@Timeout": "5"}
	case "fanvil/common", "fanvil/device":
		m := map[string]string{"ap/FlashServerIP": "https://prov.phoneprov.test:8443/p", "ap/FlashProtocol": "5",
			"phone/display/DefaultLanguage": "fr", "phone/date/SNTPServer": "pool.ntp.org",
			"phone/date/TimeZone": "-20", "phone/date/DSTStartMon": "3", "phone/date/DSTEndMon": "11",
			"AUTOUPDATE_CONFIG_MODULE/Auto_Image_URL": cfg.FirmwareURL}
		if kind == KindDevice {
			maps.Copy(m, map[string]string{"ap/DefaultUsername": cfg.HTTPUser, "ap/DefaultPassword": cfg.HTTPPassword,
				"sip/STUNServer": "stun.phoneprov.test", "sip/line[1]/PhoneNumber": "1001",
				"sip/line[1]/RegisterUser": "a1001", "sip/line[1]/RegisterPswd": c(l1.Password),
				"sip/line[1]/DisplayName": c(l1.DisplayName), "sip/line[1]/SipName": c(l1.Label),
				"sip/line[1]/RegisterAddr": "sip.phoneprov.test", "sip/line[1]/RegisterPort": "5061",
				"sip/line[1]/Transport": "3", "web/account[1]/Name": "admin", "web/account[1]/Password": pw, "sip/line[1]/RegisterTTL": "600", "sip/line[1]/EnableReg": "1",
				"sip/line[2]/EnableReg": "0", "sip/line[2]/DisplayName": c(l2.DisplayName)})
		}
		return prefixed("sysConf/", m)
	}
	return expectedFamilies(fam, kind, cfg)
}

func prefixed(p string, m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[p+k] = v
	}
	return out
}
