#!/usr/bin/env bats
# omph-parse: access-log lines to records, on the real logs and on fixtures.
bats_require_minimum_version 1.5.0
load helper

ELASTIC=$DATA/combined/elastic-apache.log
COMBINED_COLS="time client user method path query protocol status bytes referer agent"

# tsv VALUE...: the values joined by TABs, as one record line
tsv() {
	local IFS=$'\t'
	printf '%s\n' "$*"
}

# hdr NAME...: a header line
hdr() {
	printf '#%s\n' "$(tsv "$@")"
}

# no_sanitizer_report: the sanitized binaries said nothing on stderr
no_sanitizer_report() {
	[[ "$stderr" != *Sanitizer* ]] && [[ "$stderr" != *"runtime error"* ]]
}

# --- combined: the real Apache log ---------------------------------------

@test "combined: elastic-apache.log is 9999 records, line 8899 rejected as cut inside the User-Agent" {
	cd "$DATA/combined"
	n=$(wc -l <elastic-apache.log)
	# the one line without its 6 double quotes is the cut one
	[ "$n" -eq 10000 ]
	[ "$(awk -F'"' 'NF != 7 { print NR }' elastic-apache.log)" = 8899 ]
	run --separate-stderr omph-parse combined elastic-apache.log
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(hdr $COMBINED_COLS)" ]
	[ "${#lines[@]}" -eq "$n" ]	# a header and n - 1 records
	[ "$(grep -c '^#' <<<"$output")" -eq 1 ]
	[ "$stderr" = "omph-parse: elastic-apache.log:8899: line ends inside %{User-Agent}i
omph-parse: 1 of 10000 lines rejected" ]
}

@test "combined: time to UTC ISO, client, method, path, query without '?', protocol, status, bytes, referer, agent" {
	sed -n '1p;32p;77p' "$ELASTIC" >"$T/in"
	run --separate-stderr omph-parse combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "$(hdr $COMBINED_COLS)" ]
	[ "${lines[1]}" = "$(tsv 2015-05-17T10:05:03Z 83.149.9.216 '\N' GET \
	    /presentations/logstash-monitorama-2013/images/kibana-search.png '\N' \
	    HTTP/1.1 200 203023 http://semicomplete.com/presentations/logstash-monitorama-2013/ \
	    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36')" ]
	[ "${lines[2]}" = "$(tsv 2015-05-17T10:05:10Z 50.16.19.13 '\N' GET /blog/tags/puppet \
	    flav=rss20 HTTP/1.1 200 14872 'http://www.semicomplete.com/blog/tags/puppet?flav=rss20' \
	    'Tiny Tiny RSS/1.11 (http://tt-rss.org/)')" ]
	# bytes "-" is 0, referer "-" is absent
	[ "${lines[3]}" = "$(tsv 2015-05-17T11:05:11Z 218.30.103.62 '\N' GET /robots.txt '\N' \
	    HTTP/1.1 200 0 '\N' 'Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)')" ]
}

@test "combined: per-status counts and the byte sum equal awk's over the raw log minus the rejected line" {
	omph-parse combined "$ELASTIC" >"$T/out" 2>/dev/null
	want=$(sed 8899d "$ELASTIC" | awk '{ print $9 }' | sort | uniq -c)
	[ "$(field status <"$T/out" | sort | uniq -c)" = "$want" ]
	want=$(sed 8899d "$ELASTIC" | awk '{ s += ($10 == "-" ? 0 : $10) } END { printf "%.0f\n", s }')
	[ "$(field bytes <"$T/out" | awk '{ s += $1 } END { printf "%.0f\n", s }')" = "$want" ]
	want=$(sed 8899d "$ELASTIC" | awk '$7 ~ /\?/' | wc -l)
	[ "$(field query <"$T/out" | grep -vc '^\\N$')" -eq "$want" ]
}

@test "combined: Apache's \\xHH escapes of non-ASCII bytes stay text, the backslash escaped" {
	# line 5851: a referer Apache wrote as http://\xe4\xe5...
	want=$(sed -n 5851p "$ELASTIC" | awk -F'"' '{ print $4 }' | sed 's/\\/\\\\/g')
	[[ "$want" = 'http://\\xe4\\xe5'* ]]
	run --separate-stderr omph-parse --fields client,referer combined < <(sed -n 5851p "$ELASTIC")
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$(tsv 201.242.142.135 "$want")" ]
}

# --- clf, vcombined, times, request lines ---------------------------------

@test "clf: the Common Log Format line of Apache's documentation" {
	printf '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n' >"$T/in"
	run --separate-stderr omph-parse clf "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time client user method path query protocol status bytes)
$(tsv 2000-10-10T20:55:36Z 127.0.0.1 frank GET /apache_pb.gif '\N' HTTP/1.0 200 2326)" ]
}

@test "vcombined: virtual host and port in front, port and ident with --all-fields" {
	printf 'www.example.com:443 10.0.0.1 - alice [10/Oct/2000:13:55:36 +0000] "POST /login?next=%%2F HTTP/2.0" 302 - "https://www.example.com/" "curl/8.0"\n' >"$T/in"
	run --separate-stderr omph-parse --all-fields vcombined "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(hdr time vhost client user method path query protocol status bytes referer agent port ident request)" ]
	[ "${lines[1]}" = "$(tsv 2000-10-10T13:55:36Z www.example.com 10.0.0.1 alice POST /login next=%2F \
	    HTTP/2.0 302 0 https://www.example.com/ curl/8.0 443 '\N' 'POST /login?next=%2F HTTP/2.0')" ]
}

@test "times: offsets converted to UTC across days and years, fractions kept digit for digit, bad times rejected" {
	for t in '10/Oct/2000:13:55:36 -0700' '01/Jan/2000:00:30:00 +0100' \
	    '31/Dec/1999:23:30:00 -0100' '22/Jan/2019:03:56:14 +0330' \
	    '29/Feb/2000:12:00:00 +0000' '10/Oct/2000:13:55:36.250 -0700' \
	    '17/May/2015:10:05:03.000001 +0000' \
	    '29/Feb/2001:12:00:00 +0000' '10/Foo/2000:13:55:36 +0000' \
	    '10/Oct/2000:13:55:36' '10/Oct/2000:25:55:36 +0000'; do
		printf '1.2.3.4 - - [%s] "GET / HTTP/1.1" 200 1\n' "$t"
	done >"$T/in"
	run --separate-stderr omph-parse --no-header --fields time clf "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "2000-10-10T20:55:36Z
1999-12-31T23:30:00Z
2000-01-01T00:30:00Z
2019-01-22T00:26:14Z
2000-02-29T12:00:00Z
2000-10-10T20:55:36.250Z
2015-05-17T10:05:03.000001Z" ]
	[ "${stderr_lines[0]}" = "omph-parse: $T/in:8: bad time in %t" ]
	[ "${stderr_lines[4]}" = "omph-parse: 4 of 11 lines rejected" ]
}

@test "request lines that are not METHOD TARGET PROTOCOL: method, path, query, protocol absent, status kept" {
	{
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "-" 408 0 "-" "-"\n'
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" 400 226 "-" "-"\n'
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "" 400 0 "-" "-"\n'
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /" 400 0 "-" "-"\n'
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /ok?a=1 HTTP/1.1" 200 9 "-" "-"\n'
	} >"$T/in"
	run --separate-stderr omph-parse --fields method,path,query,protocol,status,request combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${lines[1]}" = "$(tsv '\N' '\N' '\N' '\N' 408 -)" ]
	[ "${lines[2]}" = "$(tsv '\N' '\N' '\N' '\N' 400 '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03')" ]
	[ "${lines[3]}" = "$(tsv '\N' '\N' '\N' '\N' 400 '')" ]
	[ "${lines[4]}" = "$(tsv '\N' '\N' '\N' '\N' 400 'GET /')" ]
	[ "${lines[5]}" = "$(tsv GET /ok a=1 HTTP/1.1 200 'GET /ok?a=1 HTTP/1.1')" ]
}

@test "combined: a CLF line has referer and agent absent, a line ending right after the status is rejected" {
	run --separate-stderr omph-parse --fields client,status,bytes,referer,agent combined "$DATA/awkward/beats-apache-test.log"
	[ "$status" -eq 0 ]
	# line 1 of the raw log is CLF: no referer, no agent
	[ "$(sed -n 1p "$DATA/awkward/beats-apache-test.log" | awk -F'"' '{ print NF }')" -eq 3 ]
	[ "${lines[1]}" = "$(tsv ::1 404 209 '\N' '\N')" ]
	printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 200\n' >"$T/in"
	run --separate-stderr omph-parse combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "omph-parse: $T/in:1: line ends inside %>s" ]
	[ "${stderr_lines[1]}" = "omph-parse: 1 of 1 lines rejected" ]
}

# --- the other real combined logs -----------------------------------------

@test "combined: logparser-hackers-access.log, all 3456 lines, IPv6 clients and probes" {
	cd "$DATA/combined"
	f=logparser-hackers-access.log
	run --separate-stderr omph-parse combined "$f"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq $(($(wc -l <"$f") + 1)) ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(field status <"$T/out" | sort | uniq -c)" = "$(awk '{ print $9 }' "$f" | sort | uniq -c)" ]
	[ "$(field client <"$T/out" | grep -c :)" -eq "$(awk '$1 ~ /:/' "$f" | wc -l)" ]
	[ "$(awk '$1 ~ /:/' "$f" | wc -l)" -eq 12 ]
	# an IPv6 client, +0100 to UTC
	[ "$(sed -n 2577p "$f" | omph-parse --no-header --fields time,client,method,path,status,bytes combined)" = \
	    "$(tsv 2015-10-29T05:47:36Z 2001:41d0:8:f69::1 GET / 200 20526)" ]
	# a probe for a login form
	[ "$(sed -n 238p "$f" | omph-parse --no-header --fields path,query,status combined)" = \
	    "$(tsv /acl_users/credentials_cookie_auth/require_login came_from=http%3A//daniel_en_sander.basjes.nl/join_form 403)" ]
}

@test "combined: lnav-shop-access.log (nginx), 1000 records, +0330 to UTC, the longest URI whole" {
	cd "$DATA/combined"
	f=lnav-shop-access.log
	run --separate-stderr omph-parse --no-header --fields time,path,status combined "$f"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq 1000 ]
	[ "${lines[1]}" = "$(tsv 2019-01-22T00:26:16Z /image/60844/productModel/200x200 200)" ]
	printf '%s\n' "$output" | cut -f 3 | sort | uniq -c >"$T/got"
	awk '{ print $9 }' "$f" | sort | uniq -c >"$T/want"
	cmp "$T/got" "$T/want"
	nr=$(awk -F'"' 'length($2) > m { m = length($2); n = NR } END { print n }' "$f")
	want=$(awk -F'"' -v n="$nr" 'NR == n { split($2, a, " "); sub(/\?.*/, "", a[2]); print a[2] }' "$f")
	[ "${#want}" -gt 400 ]
	[ "$(sed -n "${nr}p" "$f" | omph-parse --no-header --fields path combined)" = "$want" ]
}

@test "nginx \\xHH escapes: printable bytes decoded (\\x22 is a quote), others stay text as logged" {
	printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /a\\x22b\\x20c?q=\\x41 HTTP/1.1" 200 5 "-" "ua\\xD9\\x85z"\n' >"$T/in"
	run --separate-stderr omph-parse --no-header --fields path,query,agent combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv '/a"b c' q=A 'ua\\xD9\\x85z')" ]
}

# --- W3C ------------------------------------------------------------------

@test "w3c: lnav-logfile_w3c.0.log, canonical columns, s-ip and s-port only with --all-fields" {
	f=$DATA/w3c/lnav-logfile_w3c.0.log
	run --separate-stderr omph-parse w3c "$f"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time client user method path query status agent)
$(tsv 2002-05-02T17:42:15Z 172.22.255.255 '\N' GET /images/picture.jpg '\N' 200 'Mozilla/4.0+(compatible;MSIE+5.5;+Windows+2000+Server)')" ]
	run --separate-stderr omph-parse --all-fields w3c "$f"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(hdr time client user method path query status agent s-ip s-port)" ]
	[ "${lines[1]}" = "$(tsv 2002-05-02T17:42:15Z 172.22.255.255 '\N' GET /images/picture.jpg '\N' 200 'Mozilla/4.0+(compatible;MSIE+5.5;+Windows+2000+Server)' 172.30.255.255 80)" ]
}

@test "w3c: lnav-logfile_w3c_big.0.log, 210 records under one header, time-taken ms as seconds" {
	f=$DATA/w3c/lnav-logfile_w3c_big.0.log
	omph-parse w3c "$f" >"$T/out" 2>"$T/err"
	[ ! -s "$T/err" ]
	[ "$(grep -vc '^#' "$f")" -eq 210 ]
	[ "$(grep -vc '^#' "$T/out")" -eq 210 ]
	# the same #Fields again and again: one header
	[ "$(grep -c '^#' "$T/out")" -eq 1 ]
	field duration <"$T/out" >"$T/dur"
	[ "$(head -n 3 "$T/dur" | tr '\n' ' ')" = "0.283 0.157 0.152 " ]
	# each duration is its line's time-taken / 1000, exactly
	grep -v '^#' "$f" | awk '{ print $NF }' | paste - "$T/dur" >"$T/pairs"
	[ "$(awk '$2 + 0 != $1 / 1000' "$T/pairs" | wc -l)" -eq 0 ]
	[ "$(field time <"$T/out" | tail -n 1)" = "$(grep -v '^#' "$f" | tail -n 1 | awk '{ print $1 "T" $2 "Z" }')" ]
}

@test "w3c: ms-sample-ex960101.log, CRLF lines give no CR, '-' is absent" {
	f=$DATA/w3c/ms-sample-ex960101.log
	grep -q $'\r$' "$f"
	run --separate-stderr omph-parse --fields 'time,client,user,path,status,bytes,duration,referer,cs(Cookie)' w3c "$f"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[[ "$output" != *$'\r'* ]]
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[1]}" = "$(tsv 1996-01-01T10:48:02Z 195.52.225.44 '\N' /default.htm 200 1703 0 http://www.webtrends.com/def_f1.htm '\N')" ]
	[ "${lines[3]}" = "$(tsv 1996-01-01T10:48:05Z 195.52.225.44 '\N' /styles/style1.css 200 586 0 '\N' WEBTRENDS_ID=195.52.225.44-100386000.29188902)" ]
	[ "${lines[4]}" = "$(tsv 1996-01-01T10:48:05Z 195.52.225.44 '\N' /graphics/atremote/remote.jpg 200 12367 0.656 http://webtrends.sample.com/wt_f2.htm WEBTRENDS_ID=195.52.225.44-100386000.29188902)" ]
}

@test "w3c: ms-sample-ex031118.log, a date without time, cs-bytes not taken for bytes, the short row rejected" {
	cd "$DATA/w3c"
	f=ms-sample-ex031118.log
	bad=$(awk '!/^#/ && NF != 4 { print NR }' "$f")
	[ "$bad" = 7 ]
	run --separate-stderr omph-parse --all-fields w3c "$f"
	[ "$status" -eq 0 ]
	[ "$stderr" = "omph-parse: $f:$bad: 3 values for 4 fields
omph-parse: 1 of 4 lines rejected" ]
	[ "$output" = "$(hdr time client path cs-bytes)
$(tsv 2003-11-18 192.168.1.101 /Default.htm 100)
$(tsv 2003-11-18 192.168.1.104 /hitcount.asp 200)
$(tsv 2003-11-18 192.168.1.102 /cgi-bin/counts.exe 400)" ]
}

@test "w3c: ms-sample-ex010320.log has no #Fields: every line rejected, exit 0" {
	cd "$DATA/w3c"
	run --separate-stderr omph-parse w3c ms-sample-ex010320.log
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "omph-parse: ms-sample-ex010320.log:1: no #Fields directive before this line
omph-parse: ms-sample-ex010320.log:2: no #Fields directive before this line
omph-parse: 2 of 2 lines rejected" ]
}

@test "w3c: beats-iis-test.log, #Fields changes mid-file: a new header each time, columns follow it" {
	cd "$DATA/w3c"
	f=beats-iis-test.log
	[ "$(grep -c '^#Fields' "$f")" -eq 3 ]
	bad=$(awk '/^#Fields/ { nf = NF - 1; next } /^#/ { next } NF != nf { print NR }' "$f" | tr '\n' ' ')
	[ "$bad" = "16 17 " ]
	run --separate-stderr omph-parse w3c "$f"
	[ "$status" -eq 0 ]
	[ "$stderr" = "omph-parse: $f:16: 15 values for 22 fields
omph-parse: $f:17: 15 values for 22 fields
omph-parse: 2 of 5 lines rejected" ]
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[0]}" = "$(hdr time client user method path query status referer agent duration)" ]
	[ "${lines[1]}" = "$(tsv 2018-01-01T08:09:10Z 81.2.69.143 '\N' GET / q=100 200 '\N' \
	    'Mozilla/5.0+(Windows+NT+6.1;+Win64;+x64;+rv:57.0)+Gecko/20100101+Firefox/57.0' 0.123)" ]
	[ "${lines[2]}" = "$(hdr time vhost client user method path query status bytes referer agent duration)" ]
	[ "${lines[3]}" = "$(tsv 2018-01-01T09:10:11Z example.com 127.0.0.1 '\N' GET / '\N' 200 123 '\N' \
	    'Mozilla/5.0+(Windows+NT+6.1;+Win64;+x64;+rv:57.0)+Gecko/20100101+Firefox/57.0' 0.789)" ]
	[ "${lines[4]}" = "$(hdr time vhost client user method path query protocol status bytes referer agent duration)" ]
	[ "${lines[5]}" = "$(tsv 2018-01-01T10:11:12Z example.com 81.2.69.143 '\N' GET / '\N' HTTP/1.1 200 123 '\N' \
	    'Mozilla/5.0+(Macintosh;+Intel+Mac+OS+X+10_14_0)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/70.0.3538.102+Safari/537.36' 0.789)" ]
}

@test "w3c: beats-iis-test-ipv6zone.log and iis-7.5, zone ids and IPv6 clients, time-taken 15 is 0.015" {
	run --separate-stderr omph-parse --no-header --fields time,vhost,client,path,status,bytes,duration w3c "$DATA/w3c/beats-iis-test-ipv6zone.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv 2018-01-01T10:11:12Z example.com ::1%0 / 200 123 0.789)" ]
	run --separate-stderr omph-parse --no-header --fields time,client,path,query,status,duration w3c "$DATA/w3c/beats-iis-test-iis-7.5.log"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[1]}" = "$(tsv 2019-03-06T18:43:17Z 10.0.140.2 /health-monitoring '\N' 200 0.015)" ]
	[ "${lines[3]}" = "$(tsv 2019-03-06T18:43:17Z 2001:cdba:0000:0000:0000:0000:3257:9652 /health-monitoring '\N' 200 0.015)" ]
}

@test "w3c: CloudFront, TAB-separated, time-taken already in seconds, cs-uri-query to query" {
	run --separate-stderr omph-parse --no-header --fields time,vhost,client,method,path,query,protocol,status,bytes,duration w3c "$DATA/w3c/cloudfront-web-1-0.log"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "$(tsv 2014-05-23T01:13:11Z d111111abcdef8.cloudfront.net 192.0.2.10 GET /view/my/file.html '\N' HTTP/1.1 200 182 0.001)
$(tsv 2014-05-23T01:13:12Z d111111abcdef8.cloudfront.net 192.0.2.202 GET /soundtrack/happy.mp3 'a=b&c=d' HTTP/1.1 304 2390282 0.002)" ]
	# #Fields itself TAB-separated; time-taken is the 19th value
	f=$DATA/w3c/cloudfront-web-2019-12.log
	run --separate-stderr omph-parse --no-header --fields time,path,status,duration,x-edge-location w3c "$f"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(printf '%s\n' "$output" | cut -f 4)" = "$(grep -v '^#' "$f" | awk -F'\t' '{ print $19 }')" ]
	[ "${lines[0]}" = "$(tsv 2019-12-04T21:02:31Z /index.html 200 0.001 LAX1)" ]
}

@test "w3c: lnav-logfile_w3c.3.log, local date and time with a fraction, quoted values, TimeTakenMS" {
	run --separate-stderr omph-parse --no-header --fields time,client,vhost,status,duration,sc-substatus,agent w3c "$DATA/w3c/lnav-logfile_w3c.3.log"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$(tsv 2012-08-15T17:00:00.363Z 70.95.0.0 xzy.example.com 200 0.109 0 \
	    'Mozilla/5.0 (Linux; Android 4.4.4; SM-G900V Build/KTU84P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/39.0.2171.59 Mobile Safari/537.36')" ]
	[ "${lines[1]}" = "$(tsv 2012-08-15T17:00:00.660Z '\N' example.hello.com 301 0 0 \
	    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2227.1 Safari/537.36')" ]
	# "" inside quotes is one quote
	[ "${lines[2]}" = "$(tsv 2012-08-15T17:00:00.675Z 173.5.0.0 hello.example.com 404 0.359 ' "garbage" w/ spaces ' \
	    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.124 Safari/537.36')" ]
}

@test "w3c: a time without date takes the date of #Date, which may change" {
	f=$DATA/w3c/lnav-logfile_w3c.2.log
	run --separate-stderr omph-parse --no-header --fields time,client,method,path,status w3c "$f"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$(grep -vc '^#' "$f")" ]
	[ "${lines[0]}" = "$(tsv 2000-10-09T16:44:49Z 1.1.1.1 [2]USER anonymous 331)" ]
	[ "${lines[1]}" = "$(tsv 2000-10-09T16:44:49Z 1.1.1.1 [2]PASS '\N' 230)" ]
	[ "${lines[13]}" = "$(tsv 2000-10-10T16:48:05Z 1.1.1.1 [2]QUIT '\N' 226)" ]
	printf '#Fields: time c-ip sc-status\n10:00:00 1.1.1.1 200\n' >"$T/in"
	run --separate-stderr omph-parse w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "omph-parse: $T/in:2: time without a date (no #Date)" ]
}

@test "w3c: #GMT-Offset for local times, cs-uri split at its first '?', time-taken exact, odd directives ignored" {
	cat >"$T/in" <<-'EOF'
	#Verson: 1.0
	#Remark: the typo above is a real one of the Microsoft samples
	#GMT-Offset: -0800
	#Fields: date-local time-local c-ip cs-uri sc-status time-taken
	2001-10-31 20:00:18 1.1.1.1 /a/b?x=1&y=2?z 200 15
	2001-10-31 00:00:00 1.1.1.2 /c 200 1000
	2001-10-31 00:00:00 1.1.1.3 /d? 200 1500
	2001-10-31 00:00:00 1.1.1.4 /e 200 0
	2001-10-31 00:00:00 1.1.1.5 /f 200 370879
	2001-10-31 00:00:00 1.1.1.6 /g 200 12ms
	EOF
	run --separate-stderr omph-parse w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time client path query status duration)
$(tsv 2001-11-01T04:00:18Z 1.1.1.1 /a/b 'x=1&y=2?z' 200 0.015)
$(tsv 2001-10-31T08:00:00Z 1.1.1.2 /c '\N' 200 1)
$(tsv 2001-10-31T08:00:00Z 1.1.1.3 /d '' 200 1.5)
$(tsv 2001-10-31T08:00:00Z 1.1.1.4 /e '\N' 200 0)
$(tsv 2001-10-31T08:00:00Z 1.1.1.5 /f '\N' 200 370.879)" ]
	[[ "${stderr_lines[0]}" = "omph-parse: $T/in:10: "* ]]
	[ "${stderr_lines[1]}" = "omph-parse: 1 of 6 lines rejected" ]
}

@test "w3c: each file starts without directives, its own #Fields giving its own columns" {
	printf '#Fields: date time c-ip cs-uri-stem sc-status\n2020-01-01 00:00:00 1.1.1.1 /a 200\n' >"$T/a.log"
	printf '#Fields: date time cs-uri-stem sc-status c-ip time-taken\n2020-01-01 00:00:01 /b 404 2.2.2.2 15\n' >"$T/b.log"
	printf '2020-01-01 00:00:02 /c 200 3.3.3.3 7\n' >"$T/c.log"
	run --separate-stderr omph-parse w3c "$T/a.log" "$T/b.log" "$T/c.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time client path status)
$(tsv 2020-01-01T00:00:00Z 1.1.1.1 /a 200)
$(hdr time client path status duration)
$(tsv 2020-01-01T00:00:01Z 2.2.2.2 /b 404 0.015)" ]
	[ "$stderr" = "omph-parse: $T/c.log:1: no #Fields directive before this line
omph-parse: 1 of 3 lines rejected" ]
}

@test "w3c: a backslash in a W3C value is a backslash, not an escape" {
	f=$DATA/w3c/lnav-logfile_w3c.6.log
	want=$(grep -v '^#' "$f" | awk '{ print $10 }' | sed 's/\\/\\\\/g')
	[[ "$want" = *'\\'* ]]
	run --separate-stderr omph-parse --no-header --fields agent w3c "$f"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

# --- auto -----------------------------------------------------------------

@test "auto: finds combined in elastic-apache.log and says so on stderr" {
	cd "$DATA/combined"
	run --separate-stderr omph-parse --no-header --fields time,status,path auto elastic-apache.log
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "omph-parse: auto: combined" ]
	[ "${stderr_lines[1]}" = "omph-parse: elastic-apache.log:8899: line ends inside %{User-Agent}i" ]
	[ "${#lines[@]}" -eq 9999 ]
	[ "${lines[0]}" = "$(tsv 2015-05-17T10:05:03Z 200 /presentations/logstash-monitorama-2013/images/kibana-search.png)" ]
}

@test "auto: finds w3c from a directive, and vcombined" {
	run --separate-stderr omph-parse --no-header --fields time,path,duration auto "$DATA/w3c/ms-sample-ex960101.log"
	[ "$status" -eq 0 ]
	[ "$stderr" = "omph-parse: auto: w3c" ]
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[3]}" = "$(tsv 1996-01-01T10:48:05Z /graphics/atremote/remote.jpg 0.656)" ]
	printf 'www.example.com:80 1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"\n' >"$T/in"
	run --separate-stderr omph-parse --no-header --fields vhost,client,status auto "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "omph-parse: auto: vcombined" ]
	[ "$output" = "$(tsv www.example.com 1.2.3.4 200)" ]
}

@test "auto: lines tried before the choice are rejected; none of ten read is exit 1" {
	{ printf 'junk one\njunk two\n'; sed -n 1,2p "$ELASTIC"; } >"$T/in"
	run --separate-stderr omph-parse --no-header --fields client auto "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "83.149.9.216
83.149.9.216" ]
	[ "$stderr" = "omph-parse: $T/in:1: not clf, combined, vcombined or w3c
omph-parse: $T/in:2: not clf, combined, vcombined or w3c
omph-parse: auto: combined
omph-parse: 2 of 4 lines rejected" ]
	seq 1 20 >"$T/in"
	run --separate-stderr omph-parse auto "$T/in"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[[ "$stderr" = *"omph-parse: auto: no known format in the first 10 lines"* ]]
	[[ "$stderr" != *"$T/in:11:"* ]]
}

# --- apache: and nginx: ---------------------------------------------------

@test "apache:LOGFORMAT with %D: microseconds become seconds" {
	{
		printf '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /x?y=1 HTTP/1.1" 200 512 "http://ref/" "UA/1.0" 1405\n'
		printf '1.2.3.4 - - [10/Oct/2000:13:55:37 -0700] "GET /z HTTP/1.1" 404 0 "-" "UA/1.0" 2500000\n'
		printf '1.2.3.4 - - [10/Oct/2000:13:55:38 -0700] "GET /z HTTP/1.1" 404 0 "-" "UA/1.0" 1.5\n'
	} >"$T/in"
	run --separate-stderr omph-parse apache:'%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D' "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(hdr time client user method path query protocol status bytes referer agent duration)" ]
	[ "${lines[1]}" = "$(tsv 2000-10-10T20:55:36Z 1.2.3.4 '\N' GET /x y=1 HTTP/1.1 200 512 http://ref/ UA/1.0 0.001405)" ]
	[ "${lines[2]}" = "$(tsv 2000-10-10T20:55:37Z 1.2.3.4 '\N' GET /z '\N' HTTP/1.1 404 0 '\N' UA/1.0 2.5)" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${stderr_lines[0]}" = "omph-parse: $T/in:3: bad duration in %D" ]
}

@test "apache:LOGFORMAT pasted with its \\\" escapes, %% and a request header; the man page's vhost line" {
	printf 'vh 1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "10.0.0.1, 10.0.0.2" 100%%\n' >"$T/in"
	run --separate-stderr omph-parse --all-fields apache:'%v %h %l %u %t \"%r\" %>s %b \"%{X-Forwarded-For}i\" 100%%' "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time vhost client user method path query protocol status bytes ident request http_x_forwarded_for)
$(tsv 2020-01-01T00:00:00Z vh 1.2.3.4 '\N' GET / '\N' HTTP/1.1 200 5 '\N' 'GET / HTTP/1.1' '10.0.0.1, 10.0.0.2')" ]
	run --separate-stderr omph-parse --fields time,vhost,client,status \
	    apache:'%v %h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"' < <(sed -n 7p "$DATA/awkward/beats-apache-test.log")
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$(tsv 2019-07-04T07:20:46Z vhost1.domaine.fr 123.123.123.123 200)" ]
}

@test "nginx:LOG_FORMAT with \$request_time in seconds" {
	{
		printf '1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] "GET /x?y=1 HTTP/1.1" 404 0 "-" "UA/1.0" 0.123\n'
		printf '10.0.0.2, 10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/2.0" 200 612 "http://r/" "UA/2.0" 1.5\n'
	} >"$T/in"
	run --separate-stderr omph-parse nginx:'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time' "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "$(hdr time client user method path query protocol status bytes referer agent duration)
$(tsv 2000-10-10T20:55:36Z 1.2.3.4 bob GET /x y=1 HTTP/1.1 404 0 '\N' UA/1.0 0.123)
$(tsv 2000-10-10T20:55:36Z '10.0.0.2, 10.0.0.1' '\N' GET / '\N' HTTP/2.0 200 612 http://r/ UA/2.0 1.5)" ]
}

@test "nginx:LOG_FORMAT of nginx's sample 'main' format on lnav-shop-access.log" {
	run --separate-stderr omph-parse --no-header --fields time,client,status,http_x_forwarded_for \
	    nginx:'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"' \
	    "$DATA/combined/lnav-shop-access.log"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq 1000 ]
	[ "${lines[0]}" = "$(tsv 2019-01-22T00:26:14Z 54.36.149.41 200 '\N')" ]
}

@test "format errors are usage errors, exit 2 with a message, before any input is read" {
	run --separate-stderr omph-parse apache:'%h %Z' /nonexistent
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" = "omph-parse: "*"unknown directive %Z"* ]]
	[[ "$stderr" != *nonexistent* ]]
	run --separate-stderr omph-parse apache:'%h%u'
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" = *"fields %h and %u touch: nothing tells where one ends"* ]]
	run --separate-stderr omph-parse apache:'%{%d/%b}t %h'
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" = *"unsupported time format %{%d/%b}t"* ]]
	run --separate-stderr omph-parse nosuchformat
	[ "$status" -eq 2 ]
	[[ "$stderr" = *nosuchformat* ]]
}

# --- rejects --------------------------------------------------------------

@test "rejects: the first ten told with FILE:LINE and reason, then only counted; the total counts blank lines" {
	{
		sed -n 1p "$ELASTIC"
		printf '\n'
		for i in 1 2 3 4 5 6; do printf 'junk %d\n' "$i"; done
		printf '\r\n'
		for i in 7 8 9 10 11 12; do printf 'junk %d\n' "$i"; done
	} >"$T/in"
	want=$(grep -n '^junk' "$T/in" | cut -d: -f1 | head -n 10 | tr '\n' ' ')
	run --separate-stderr omph-parse --no-header --fields client combined <"$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = 83.149.9.216 ]
	[ "${#stderr_lines[@]}" -eq 12 ]
	got=""
	for i in 0 1 2 3 4 5 6 7 8 9; do
		[[ "${stderr_lines[i]}" =~ ^omph-parse:\ stdin:([0-9]+):\ .+ ]]
		got="$got${BASH_REMATCH[1]} "
	done
	[ "$got" = "$want" ]
	[ "${stderr_lines[10]}" = "omph-parse: further rejected lines are only counted" ]
	[ "${stderr_lines[11]}" = "omph-parse: 12 of 15 lines rejected" ]
}

@test "--rejects FILE gets every rejected line as it was read" {
	{ sed -n 8899p "$ELASTIC"; for i in $(seq 1 15); do printf 'junk %d\n' "$i"; done; sed -n 1p "$ELASTIC"; } >"$T/in"
	printf 'stale\n' >"$T/rej"
	run --separate-stderr omph-parse --rejects "$T/rej" combined "$T/in"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[-1]}" = "omph-parse: 16 of 17 lines rejected" ]
	head -n 16 "$T/in" | cmp - "$T/rej"
}

@test "--rejects keeps a rejected W3C line as it was read, doubled quotes included" {
	printf '#Fields: date time c-ip cs(User-Agent) sc-status\n2020-01-01 00:00:00 1.1.1.1 "a ""b"" c" 200 extra\n2020-01-01 00:00:00 1.1.1.1 "a ""b"" c" 200\n' >"$T/in"
	run --separate-stderr omph-parse --rejects "$T/rej" w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$(tsv 2020-01-01T00:00:00Z 1.1.1.1 200 'a "b" c')" ]
	sed -n 2p "$T/in" | cmp - "$T/rej"
}

@test "--strict: exit 1 when a line was rejected, all lines read all the same; 0 otherwise" {
	run --separate-stderr omph-parse --strict --no-header combined "$ELASTIC"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 9999 ]
	[ "${stderr_lines[-1]}" = "omph-parse: 1 of 10000 lines rejected" ]
	run --separate-stderr omph-parse --strict combined "$DATA/combined/logparser-hackers-access.log"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	run --separate-stderr omph-parse combined <<<"junk"
	[ "$status" -eq 0 ]
}

# --- robustness -----------------------------------------------------------

@test "robustness: 1 MiB of random bytes, every line counted, output clean UTF-8 without raw control bytes" {
	head -c 1M /dev/urandom >"$T/rnd"
	lf=$(tr -cd '\n' <"$T/rnd" | wc -c)
	[ "$(tail -c 1 "$T/rnd" | od -An -tx1 | tr -d ' ')" = 0a ] || lf=$((lf + 1))
	blank=$(LC_ALL=C grep -a -c -x -e '' -e $'\r' "$T/rnd" || true)
	run --separate-stderr omph-parse combined "$T/rnd"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$output" = "" ]
	[ "${stderr_lines[-1]}" = "omph-parse: $((lf - blank)) of $lf lines rejected" ]
	# a format whose one field takes the whole line: every line a record
	omph-parse --no-header --fields request nginx:'$request' "$T/rnd" >"$T/out" 2>"$T/err"
	[ ! -s "$T/err" ]
	[ "$(wc -l <"$T/out")" -eq $((lf - blank)) ]
	iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null
	[ "$(LC_ALL=C grep -c '[[:cntrl:]]' "$T/out")" -eq 0 ]
}

@test "robustness: NUL bytes are rejected or written \\\\x00, the next line is intact" {
	{
		printf 'a\0b\0\n'
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /\0x HTTP/1.1" 200 5 "-" "u\0a"\n'
		sed -n 1p "$ELASTIC"
	} >"$T/in"
	run --separate-stderr omph-parse --no-header --fields client,path,agent combined "$T/in"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "${lines[0]}" = "$(tsv 1.2.3.4 '/\\x00x' 'u\\x00a')" ]
	[ "${lines[1]}" = "$(tsv 83.149.9.216 /presentations/logstash-monitorama-2013/images/kibana-search.png \
	    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36')" ]
	[ "${stderr_lines[-1]}" = "omph-parse: 1 of 3 lines rejected" ]
}

@test "robustness: a 2 MiB line is rejected as too long, its first 1 MiB saved, the next line intact" {
	{
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /'
		head -c 2097152 /dev/zero | tr '\0' a
		printf ' HTTP/1.1" 200 5 "-" "ua"\n'
		sed -n 1p "$ELASTIC"
	} >"$T/in"
	run --separate-stderr omph-parse --rejects "$T/rej" --no-header --fields client,status combined "$T/in"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$output" = "$(tsv 83.149.9.216 200)" ]
	[ "$stderr" = "omph-parse: $T/in:1: line longer than 1048576 bytes
omph-parse: 1 of 2 lines rejected" ]
	[ "$(wc -c <"$T/rej")" -eq 1048577 ]
	head -c 1048576 "$T/in" | cmp - <(head -c 1048576 "$T/rej")
}

@test "--max-line: 1k takes a 1024-byte line and rejects 1025 bytes; the --tagged prefix counts" {
	pre='1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /'
	post=' HTTP/1.1" 200 5'
	mkline() { printf '%s%s%s\n' "$pre" "$(head -c $(($1 - ${#pre} - ${#post})) /dev/zero | tr '\0' a)" "$post"; }
	{ mkline 1024; mkline 1025; } >"$T/in"
	[ "$(awk '{ print length($0) }' "$T/in" | tr '\n' ' ')" = "1024 1025 " ]
	run --separate-stderr omph-parse --max-line 1k --no-header --fields status combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = 200 ]
	[ "${stderr_lines[0]}" = "omph-parse: $T/in:2: line longer than 1024 bytes" ]
	{ printf 's\t'; mkline 1022; printf 's\t'; mkline 1023; } >"$T/in"
	run --separate-stderr omph-parse --tagged --max-line 1K --no-header --fields status combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = 200 ]
	[ "${stderr_lines[0]}" = "omph-parse: s ($T/in:2): line longer than 1024 bytes" ]
}

@test "robustness: a last line without LF is read, CRLF or not" {
	{ sed -n 1p "$ELASTIC"; sed -n 4p "$ELASTIC" | tr -d '\n'; } >"$T/in"
	run --separate-stderr omph-parse --no-header --fields path combined "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = /presentations/logstash-monitorama-2013/plugin/zoom-js/zoom.js ]
	printf '#Fields: c-ip sc-status cs-uri-stem\r\n1.1.1.1 200 /a\r\n2.2.2.2 404 /b\r' >"$T/in"
	run --separate-stderr omph-parse --no-header w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "$(tsv 1.1.1.1 /a 200)
$(tsv 2.2.2.2 /b 404)" ]
}

@test "robustness: invalid UTF-8 in a field is written \\\\xHH, valid UTF-8 as it is" {
	printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /caf\xc3\xa9/\xff\xfe HTTP/1.1" 200 5 "-" "ua\xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80"\n' >"$T/in"
	run --separate-stderr omph-parse --no-header --fields path,agent combined "$T/in"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$output" = "$(tsv $'/caf\xc3\xa9/\\\\xff\\\\xfe' $'ua\\\\xe2\\\\x82 \\\\xed\\\\xa0\\\\x80 \xf0\x9f\x98\x80')" ]
	printf '%s\n' "$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
	printf '#Fields: c-ip cs(User-Agent)\n1.1.1.1 b\xe4d\x01\n' >"$T/in"
	run --separate-stderr omph-parse --no-header w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv 1.1.1.1 'b\\xe4d\\x01')" ]
}

# --- escaping -------------------------------------------------------------

@test "escaping: Apache's \\\" and \\\\ decoded, \\t stays text, raw TAB and CR escaped, never in a value" {
	{
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /a\\\\b HTTP/1.1" 200 5 "-" "a \\"q\\" b\\\\c\\td\\x41\\x1b"\n'
		printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /t HTTP/1.1" 200 5 "x\ty" "c\rr"\n'
	} >"$T/in"
	run --separate-stderr omph-parse --no-header --fields path,referer,agent combined "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(tsv '/a\\b' '\N' 'a "q" b\\c\\tdA\\x1b')" ]
	[ "${lines[1]}" = "$(tsv /t 'x\ty' 'c\rr')" ]
	[ "$(printf '%s\n' "$output" | awk -F'\t' 'NF != 3' | wc -l)" -eq 0 ]
	[[ "$output" != *$'\r'* ]]
	# on a whole real log: every record has the header's 11 columns
	omph-parse combined "$ELASTIC" 2>/dev/null | awk -F'\t' 'NF != 11' >"$T/bad"
	[ ! -s "$T/bad" ]
}

# --- sources, tagged ------------------------------------------------------

@test "-s NAME: a source column after duration in every record" {
	printf '1.2.3.4 [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 200 5 1405\n' >"$T/in"
	run --separate-stderr omph-parse -s web1 apache:'%h %t "%r" %>s %b %D' "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time client method path query protocol status bytes duration source)
$(tsv 2020-01-01T00:00:00Z 1.2.3.4 GET / '\N' HTTP/1.1 200 5 0.001405 web1)" ]
	run --separate-stderr omph-parse --source web2 --no-header --fields source,status combined "$DATA/combined/lnav-shop-access.log"
	[ "$(printf '%s\n' "$output" | sort | uniq -c | awk '$2 == "web2" { n += $1 } END { print n }')" -eq 1000 ]
}

@test "--tagged: SOURCE<TAB>line, W3C #Fields kept apart per source in one interleaved stream" {
	{
		printf 'a.log\t#Fields: date time c-ip cs-uri-stem sc-status\n'
		printf 'b.log\t#Fields: date time cs-uri-stem sc-status c-ip time-taken\n'
		printf 'a.log\t2020-01-01 00:00:00 1.1.1.1 /a 200\n'
		printf 'b.log\t2020-01-01 00:00:01 /b 404 2.2.2.2 15\n'
		printf 'a.log\t2020-01-01 00:00:02 1.1.1.3 /c 304\n'
		printf 'c.log\t2020-01-01 00:00:03 1.1.1.4 /d 200\n'
	} >"$T/in"
	run --separate-stderr omph-parse --tagged -s ignored w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr time client path status source)
$(tsv 2020-01-01T00:00:00Z 1.1.1.1 /a 200 a.log)
$(hdr time client path status duration source)
$(tsv 2020-01-01T00:00:01Z 2.2.2.2 /b 404 0.015 b.log)
$(hdr time client path status source)
$(tsv 2020-01-01T00:00:02Z 1.1.1.3 /c 304 a.log)" ]
	[ "$stderr" = "omph-parse: c.log ($T/in:6): no #Fields directive before this line
omph-parse: 1 of 4 lines rejected" ]
}

@test "--tagged: a line without a TAB is rejected, the others read" {
	{
		printf 'web1\t%s\n' "$(sed -n 1p "$ELASTIC")"
		sed -n 2p "$ELASTIC"
		printf 'web2\t%s\n' "$(sed -n 3p "$ELASTIC")"
	} >"$T/in"
	run --separate-stderr omph-parse --tagged --no-header --fields source,client,status combined <"$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv web1 83.149.9.216 200)
$(tsv web2 83.149.9.216 200)" ]
	[[ "${stderr_lines[0]}" = "omph-parse: stdin:2: "* ]]
	[ "${stderr_lines[1]}" = "omph-parse: 1 of 3 lines rejected" ]
}

@test "--tagged w3c: 30,000 sources stay in bounded memory, the least recently seen forgotten and told" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time to measure the peak RSS"
	awk 'BEGIN { for (i = 0; i < 30000; i++) {
		printf "s%d\t#Fields: date time cs-uri-stem sc-status\n", i
		printf "s%d\t2020-01-01 00:00:00 /a%d 200\n", i, i } }' >"$T/in"
	run --separate-stderr /usr/bin/time -f 'rss %M' -o "$T/rss" omph-parse --tagged --no-header --fields source,path w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 30000 ]
	[ "${lines[29999]}" = "$(printf 's29999\t/a29999')" ]
	rss=$(awk '$1 == "rss" { print $2 }' "$T/rss")
	echo "peak RSS $rss KiB; $stderr"
	# sanitizers hold freed memory in quarantine: only the plain build's
	# figure says what the program keeps
	case $OMPH_BIN in
	*/san/*) ;;
	*) [ "$rss" -lt $((64 * 1024)) ] ;;
	esac
	[ "${stderr_lines[0]}" = "omph-parse: more than 4096 W3C sources: the least recently seen one's directives are forgotten (--max-sources)" ]
	[ "${stderr_lines[1]}" = "omph-parse: the W3C directives of 25904 sources were forgotten (--max-sources 4096)" ]
}

@test "--tagged w3c --max-sources: a forgotten source's records are rejected as such until its #Fields comes again" {
	{
		printf 'a\t#Fields: date time cs-uri-stem sc-status\n'
		printf 'a\t2020-01-01 00:00:00 /a1 200\n'
		printf 'b\t#Fields: date time sc-status cs-uri-stem\n'
		printf 'b\t2020-01-01 00:00:00 404 /b1\n'
		printf 'c\t#Fields: date time cs-uri-stem\n'	# a is forgotten
		printf 'b\t2020-01-01 00:00:01 500 /b2\n'
		printf 'a\t2020-01-01 00:00:01 /a2 200\n'	# not misparsed
		printf 'a\t#Fields: date time cs-uri-stem sc-status\n'	# c goes
		printf 'a\t2020-01-01 00:00:02 /a3 200\n'
		printf 'b\t2020-01-01 00:00:02 200 /b3\n'
		printf 'c\t2020-01-01 00:00:02 /c1\n'
	} >"$T/in"
	run --separate-stderr omph-parse --tagged --max-sources 2 --no-header --fields source,path,status w3c "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\t/a1\t200\nb\t/b1\t404\nb\t/b2\t500\na\t/a3\t200\nb\t/b3\t200')" ]
	[ "$stderr" = "omph-parse: more than 2 W3C sources: the least recently seen one's directives are forgotten (--max-sources)
omph-parse: a ($T/in:7): its W3C directives were forgotten (more than 2 sources, --max-sources): rejected until its next #Fields
omph-parse: c ($T/in:11): its W3C directives were forgotten (more than 2 sources, --max-sources): rejected until its next #Fields
omph-parse: the W3C directives of 2 sources were forgotten (--max-sources 2)
omph-parse: 2 of 7 lines rejected" ]
	for bad in 0 1000001 x; do
		run --separate-stderr omph-parse --tagged --max-sources "$bad" w3c </dev/null
		[ "$status" -eq 2 ]
		[[ "${stderr_lines[0]}" = "omph-parse: --max-sources: "* ]]
	done
}

# --- columns and output ---------------------------------------------------

@test "--fields: exactly those columns in that order, a name the format lacks is a column of \\N" {
	run --separate-stderr omph-parse --fields status,bogus,time,source,client,ident combined < <(sed -n 1p "$ELASTIC")
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr status bogus time source client ident)
$(tsv 200 '\N' 2015-05-17T10:05:03Z '\N' 83.149.9.216 '\N')" ]
	run --separate-stderr omph-parse --fields s-ip,time,sc-substatus,nope w3c "$DATA/w3c/lnav-logfile_w3c.0.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hdr s-ip time sc-substatus nope)
$(tsv 172.30.255.255 2002-05-02T17:42:15Z '\N' '\N')" ]
}

@test "--no-header: no header lines even when W3C columns change; --fields keeps the columns fixed" {
	run --separate-stderr omph-parse --no-header --fields time,vhost,status,duration w3c "$DATA/w3c/beats-iis-test.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv 2018-01-01T08:09:10Z '\N' 200 0.123)
$(tsv 2018-01-01T09:10:11Z example.com 200 0.789)
$(tsv 2018-01-01T10:11:12Z example.com 200 0.789)" ]
	run --separate-stderr omph-parse --no-header w3c "$DATA/w3c/beats-iis-test.log"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" != *"#"* ]]
}

@test "-o json: one valid object per line, numbers as numbers, absent values left out, text as the record's" {
	omph-parse -o json combined "$ELASTIC" >"$T/out" 2>/dev/null
	[ "$(wc -l <"$T/out")" -eq 9999 ]
	want=$(sed -n 5851p "$ELASTIC" | awk -F'"' '{ print $4 }')
	run python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert all(type(r["status"]) is int and type(r["bytes"]) is int for r in rs)
assert all("user" not in r for r in rs)
assert list(rs[0]) == ["time", "client", "method", "path", "protocol", "status", "bytes", "referer", "agent"], list(rs[0])
assert rs[0]["bytes"] == 203023 and rs[0]["time"] == "2015-05-17T10:05:03Z"
assert [r["referer"] for r in rs if r["client"] == "201.242.142.135"][0] == sys.argv[2]
print(len(rs))' "$T/out" "$want"
	[ "$status" -eq 0 ]
	[ "$output" = 9999 ]
	run --separate-stderr omph-parse -o json -s iis --fields time,status,duration,bytes,path,nope,source w3c "$DATA/w3c/beats-iis-test-iis-7.5.log"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"time":"2019-03-06T18:43:17Z","status":200,"duration":0.015,"path":"/health-monitoring","source":"iis"}' ]
	printf '1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /t HTTP/1.1" 200 5 "x\ty" "a \\"q\\" \\x1b \xff"\n' >"$T/in"
	run --separate-stderr omph-parse -o json --fields referer,agent combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"referer":"x\ty","agent":"a \"q\" \\x1b \\xff"}' ]
}

# --- usage and errors -----------------------------------------------------

@test "usage: no FORMAT, a bad option, a bad -o: exit 2 with the usage" {
	run --separate-stderr omph-parse
	[ "$status" -eq 2 ]
	[[ "$stderr" = *"usage: omph-parse"* ]]
	run --separate-stderr omph-parse --bogus combined
	[ "$status" -eq 2 ]
	[[ "$stderr" = *"usage: omph-parse"* ]]
	run --separate-stderr omph-parse -o xml combined
	[ "$status" -eq 2 ]
	[[ "$stderr" = *xml* ]]
}

@test "usage: --max-line out of 256..64M is exit 2 with a message; --version is exit 0" {
	run --separate-stderr omph-parse --max-line 10 combined
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" = "omph-parse: --max-line: "*10* ]]
	run --separate-stderr omph-parse --max-line 65M combined
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" = "omph-parse: --max-line: "* ]]
	run --separate-stderr omph-parse --max-line 64M combined </dev/null
	[ "$status" -eq 0 ]
	run --separate-stderr omph-parse --version
	[ "$status" -eq 0 ]
	[[ "$output" = "omph-parse "* ]]
}

@test "a file that does not exist is told, the other files are read, exit 1" {
	cd "$T"
	sed -n 1p "$ELASTIC" >good.log
	run --separate-stderr omph-parse --no-header --fields client combined nonexistent.log good.log
	[ "$status" -eq 1 ]
	[ "$output" = 83.149.9.216 ]
	[ "$stderr" = "omph-parse: nonexistent.log: No such file or directory" ]
}

@test "stdout full: exit 1 with a message" {
	run --separate-stderr bash -c 'omph-parse combined "$1" >/dev/full' _ "$ELASTIC"
	[ "$status" -eq 1 ]
	[[ "$stderr" = *"omph-parse: stdout: No space left on device"* ]]
}

@test "stdout closed: exit 1, and records never go to the --rejects file" {
	run --separate-stderr bash -c 'omph-parse --rejects "$1" combined "$2" >&-' _ "$T/rej" "$ELASTIC"
	[ "$status" -eq 1 ]
	[[ "$stderr" = *"omph-parse: stdout: "* ]]
	# it stops at the failed write: the rejects file holds at most line 8899
	[ ! -s "$T/rej" ] || sed -n 8899p "$ELASTIC" | cmp - "$T/rej"
}

@test "--plain-header: the header without its #, once; a change of columns stops with exit 1" {
	run --separate-stderr omph-parse --plain-header --fields time,status combined "$DATA/combined/elastic-apache.log"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "time	status" ]
	[ "$(grep -c '^#' <<<"$output")" = 0 ]
	[ "${#lines[@]}" -eq 10000 ]
	# the W3C log has three #Fields: what came before the change is written
	run --separate-stderr omph-parse --plain-header w3c "$DATA/w3c/beats-iis-test.log"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"omph-parse: the columns changed mid-stream (a W3C #Fields line); --plain-header writes its header once: fix the columns with --fields"* ]]
	[[ "${lines[0]}" == "time	"* ]]
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr omph-parse --plain-header --fields time,path w3c "$DATA/w3c/beats-iis-test.log"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	for o in --no-header "-o json"; do
		run --separate-stderr omph-parse --plain-header $o combined /dev/null
		[ "$status" -eq 2 ]
		[[ "$stderr" == "omph-parse: --plain-header is for TSV with a header"* ]]
	done
}

@test "--fields naming no field of the format, nor a canonical one, is told once; it is written as \\N" {
	run --separate-stderr omph-parse --fields time,nosuch,path clf "$DATA/combined/elastic-apache.log"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = 'omph-parse: --fields nosuch: neither a field of the format nor a canonical one; it is written as \N' ]
	[ "$(grep -c 'nosuch' <<<"$stderr")" = 1 ]
	[ "${lines[1]}" = "2015-05-17T10:05:03Z	\\N	/presentations/logstash-monitorama-2013/images/kibana-search.png" ]
	# a canonical field clf lacks (agent, duration) is \N without a word
	run --separate-stderr omph-parse --fields time,path,agent,duration clf "$DATA/combined/elastic-apache.log"
	! grep -q -- '--fields' <<<"$stderr"
}

# --- origins (omph-tail -H) ------------------------------------------------

ID1=0123456789abcdef
ID2=fedcba9876543210

@test "--tagged origins: NAME<TAB>ID:START:END<TAB>LINE and NAME<TAB>LINE both read; the origin column after source" {
	l1=$(sed -n 1p "$ELASTIC")
	l3=$(sed -n 3p "$ELASTIC")
	printf 'a.log\t%s:0:%d\t%s\n' "$ID1" $((${#l1} + 1)) "$l1" >"$T/in"
	run --separate-stderr omph-parse --tagged combined "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "$(hdr $COMBINED_COLS source origin)" ]
	[[ "${lines[1]}" == *"	a.log	$ID1:0:$((${#l1} + 1))" ]]
	# without origins: no origin column, as before
	printf 'a.log\t%s\n' "$l1" >"$T/in2"
	run --separate-stderr omph-parse --tagged combined "$T/in2"
	[ "${lines[0]}" = "$(hdr $COMBINED_COLS source)" ]
	# both forms in one input: the line without one has \N
	{ cat "$T/in"; printf 'b.log\t%s\n' "$l3"; } >"$T/in3"
	run --separate-stderr omph-parse --tagged --no-header --fields source,origin,status combined "$T/in3"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv a.log "$ID1:0:$((${#l1} + 1))" 200)
$(tsv b.log '\N' 200)" ]
	# what is not an origin is the line's: capitals, START >= END, 20
	# digits, no colon, a sign, 15 hex digits
	for o in 0123456789ABCDEF:0:5 "$ID1:5:5" "$ID1:9:3" "$ID1:0:12345678901234567890" \
	    "$ID1:0" "$ID1:+1:5" 0123456789abcde:0:5; do
		printf 'a.log\t%s\t%s\n' "$o" "$l1"
	done >"$T/bad"
	run --separate-stderr omph-parse --tagged --no-header --fields origin,client combined "$T/bad"
	[ "$status" -eq 0 ]
	# (the rest of the line is then the client, %h stopping at a space)
	[ "$(cut -f 1 <<<"$output" | sort | uniq -c | awk '{ print $1, $2 }')" = '7 \N' ]
	[[ "$(sed -n 3p <<<"$output")" == "\\N	$ID1:9:3\\t83.149.9.216" ]]
	# JSON: a string
	run --separate-stderr omph-parse --tagged -o json --fields status,origin combined "$T/in"
	[ "$output" = "{\"status\":200,\"origin\":\"$ID1:0:$((${#l1} + 1))\"}" ]
	# --fields origin without origins in the input: \N
	run --separate-stderr omph-parse --tagged --no-header --fields origin,status combined "$T/in2"
	[ "$output" = "$(tsv '\N' 200)" ]
}

@test "--tagged origins: a stream's records stay contiguous over rejected and blank lines, per stream" {
	good=$(sed -n 1p "$ELASTIC")
	n=$((${#good} + 1))
	{
		printf 'a.log\t%s:0:%d\t%s\n' "$ID1" "$n" "$good"
		printf 'a.log\t%s:%d:%d\tgarbage\n' "$ID1" "$n" $((n + 8))
		printf 'a.log\t%s:%d:%d\t\n' "$ID1" $((n + 8)) $((n + 9))
		printf 'b.log\t%s:0:4\tbad\n' "$ID2"
		printf 'a.log\t%s:%d:%d\t%s\n' "$ID1" $((n + 9)) $((2 * n + 9)) "$good"
		printf 'b.log\t%s:4:%d\t%s\n' "$ID2" $((n + 4)) "$good"
		printf 'a.log\t%s:%d:%d\t%s\n' "$ID1" $((2 * n + 9)) $((3 * n + 9)) "$good"
	} >"$T/in"
	run --separate-stderr omph-parse --tagged --no-header --fields source,origin combined "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tsv a.log "$ID1:0:$n")
$(tsv a.log "$ID1:$n:$((2 * n + 9))")
$(tsv b.log "$ID2:0:$((n + 4))")
$(tsv a.log "$ID1:$((2 * n + 9)):$((3 * n + 9))")" ]
	[ "${stderr_lines[2]}" = "omph-parse: 2 of 7 lines rejected" ]
}

@test "--tagged origins: W3C directives are covered by the next record of their stream" {
	{
		printf 'a.log\t%s:0:8\t#Fields: date time c-ip cs-uri-stem sc-status\n' "$ID1"
		printf 'b.log\t%s:100:108\t#Fields: date time cs-uri-stem sc-status\n' "$ID2"
		printf 'a.log\t%s:8:20\t2020-01-01 00:00:00 1.1.1.1 /a 200\n' "$ID1"
		printf 'a.log\t%s:20:30\t#Date: 2020-01-01 00:00:00\n' "$ID1"
		printf 'b.log\t%s:108:120\t2020-01-01 00:00:01 /b 404\n' "$ID2"
		printf 'a.log\t%s:30:40\t#Fields: date time cs-uri-stem\n' "$ID1"
		printf 'a.log\t%s:40:50\t2020-01-01 00:00:02 /c\n' "$ID1"
		# a directive repeated by omph-tail from before its start: no origin
		printf 'a.log\t#Fields: date time cs-uri-stem\n'
		printf 'a.log\t%s:50:60\t2020-01-01 00:00:03 /d\n' "$ID1"
	} >"$T/in"
	run --separate-stderr omph-parse --tagged --no-header --fields path,origin w3c "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(tsv /a "$ID1:0:20")
$(tsv /b "$ID2:100:120")
$(tsv /c "$ID1:20:50")
$(tsv /d "$ID1:50:60")" ]
	# the header names origin right after source
	run --separate-stderr omph-parse --tagged w3c "$T/in"
	[ "${lines[0]}" = "$(hdr time client path status source origin)" ]
}

# --- speed paths: the same output whatever path is taken -------------------

# same_run ENV... -- ARGS: stdout and stderr of omph-parse ARGS, plain and
# under ENV, byte for byte
same_run() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	omph-parse "$@" >"$T/a.out" 2>"$T/a.err" || true
	env "${envs[@]}" omph-parse "$@" >"$T/b.out" 2>"$T/b.err" || true
	cmp "$T/a.out" "$T/b.out" && cmp "$T/a.err" "$T/b.err"
}

@test "SIMD and the scalar paths (OMPH_SCALAR) write the same records and messages on every real log" {
	for f in "$DATA"/*/*; do
		for fmt in combined vcombined w3c auto; do
			same_run OMPH_SCALAR=1 -- "$fmt" "$f" || { echo "$fmt $f"; return 1; }
			same_run OMPH_SCALAR=1 -- -o json "$fmt" "$f" || { echo "json $fmt $f"; return 1; }
		done
	done
}

@test "-j 2, 3 and 4 write what -j 1 does on every real log: records, headers, W3C state, rejects, messages" {
	for f in "$DATA"/*/*; do
		for fmt in combined w3c; do
			for j in 2 3 4; do
				same_run OMPH_PAR_CHUNK=2000 -- -j "$j" "$fmt" "$f" ||
				    { echo "-j $j $fmt $f"; return 1; }
			done
			same_run OMPH_PAR_CHUNK=3000 -- -j 3 --fields time,path,nosuch -o json "$fmt" "$f" ||
			    { echo "-j 3 fields $fmt $f"; return 1; }
		done
	done
	# -j does not change what a rejects file gets
	omph-parse --rejects "$T/r1" combined "$DATA"/awkward/* >/dev/null 2>&1 || true
	OMPH_PAR_CHUNK=500 omph-parse -j 2 --rejects "$T/r2" combined "$DATA"/awkward/* >/dev/null 2>&1 || true
	cmp "$T/r1" "$T/r2"
}

@test "-j: the workers write their records in turn: into a pipe as to a file; a full disk is exit 1 told once, a reader gone exit 1 quietly" {
	omph-parse combined "$ELASTIC" >"$T/one" 2>/dev/null
	OMPH_PAR_CHUNK=4000 omph-parse -j 3 combined "$ELASTIC" 2>/dev/null | cat >"$T/three"
	cmp "$T/one" "$T/three"
	run --separate-stderr bash -c 'OMPH_PAR_CHUNK=4000 omph-parse -j 2 combined "$1" >/dev/full' _ "$ELASTIC"
	[ "$status" -eq 1 ]
	[ "$stderr" = "omph-parse: stdout: No space left on device" ]
	run --separate-stderr bash -c 'OMPH_PAR_CHUNK=4000 omph-parse -j 2 combined "$1" | head -c 10000 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$ELASTIC"
	[ "$output" = 1 ]
	[ "$stderr" = "" ]
}

@test "-j: range-checked; stdin is parsed by one process" {
	run --separate-stderr omph-parse -j 0 combined
	[ "$status" -eq 2 ]
	run --separate-stderr omph-parse -j 65 combined
	[ "$status" -eq 2 ]
	run --separate-stderr omph-parse -j 2 combined <"$ELASTIC"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10000 ]
}
