# cdp.py PROFILE URL WIDTH HEIGHT [STEP...]: drive a headless Chromium over
# --remote-debugging-pipe (the DevTools protocol, standard library only), for
# tests/web.bats.  An open event stream keeps --virtual-time-budget from ever
# ending, so the page is driven here instead.  Steps, in order:
#	wait:N		until body[data-updated] >= N (20 s at most, else exit 1)
#	eval:JS		print JS's value as one line of JSON
#	until:JS	until JS is true (20 s at most, else exit 1)
#	shot:FILE	a screenshot of the window into FILE (PNG)
#	page:FILE	a screenshot of the whole page into FILE
#	sh:CMD		run CMD with the shell
# Console messages and exceptions of the page go to stderr, each on a line
# starting "console:" or "EXCEPTION:".  Chromium's own chatter goes to
# PROFILE/chrome.err.  Exit 0 when every step was done.
import base64, json, os, subprocess, sys, time

prof, url, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
steps = sys.argv[5:]
os.makedirs(prof, exist_ok=True)
r1, w1 = os.pipe()
r2, w2 = os.pipe()


def child():
    # Chromium reads commands from fd 3 and writes answers to fd 4
    a, b = os.dup(r1), os.dup(w2)
    os.dup2(a, 3)
    os.dup2(b, 4)


p = subprocess.Popen(['chromium', '--headless', '--no-sandbox', '--disable-gpu',
                      '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars',
                      '--remote-debugging-pipe', '--user-data-dir=' + prof, 'about:blank'],
                     close_fds=False, preexec_fn=child, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=open(prof + '/chrome.err', 'w'))
os.close(r1)
os.close(w2)
buf = b''
mid = 0
sess = None


def recv():
    global buf
    while b'\0' not in buf:
        d = os.read(r2, 1 << 20)
        if not d:
            sys.exit('cdp: chromium went away')
        buf += d
    m, buf = buf.split(b'\0', 1)
    return json.loads(m)


def call(method, params=None, session=True):
    global mid
    mid += 1
    m = {'id': mid, 'method': method, 'params': params or {}}
    if session and sess:
        m['sessionId'] = sess
    os.write(w1, json.dumps(m).encode() + b'\0')
    while True:
        r = recv()
        meth = r.get('method')
        if meth == 'Runtime.consoleAPICalled':
            print('console:', r['params']['type'],
                  [a.get('value', a.get('description')) for a in r['params']['args']],
                  file=sys.stderr)
        elif meth == 'Runtime.exceptionThrown':
            print('EXCEPTION:', json.dumps(r['params']['exceptionDetails'])[:600],
                  file=sys.stderr)
        if r.get('id') == mid:
            if 'error' in r:
                sys.exit('cdp: %s: %s' % (method, r['error']))
            return r.get('result', {})


def ev(expr):
    r = call('Runtime.evaluate', {'expression': expr, 'returnByValue': True,
                                  'awaitPromise': True})
    return r['result'].get('value')


def until(expr):
    end = time.time() + 20
    while time.time() < end:
        if ev(expr):
            return
        time.sleep(0.1)
    sys.exit('cdp: not so within 20 s: ' + expr)


try:
    t = call('Target.createTarget', {'url': 'about:blank'}, False)['targetId']
    sess = call('Target.attachToTarget', {'targetId': t, 'flatten': True}, False)['sessionId']
    for d in ('Runtime.enable', 'Page.enable'):
        call(d)
    call('Emulation.setDeviceMetricsOverride', {'width': width, 'height': height,
                                                'deviceScaleFactor': 1, 'mobile': width < 600})
    call('Page.navigate', {'url': url})
    for s in steps:
        kind, _, arg = s.partition(':')
        if kind == 'wait':
            until("document.body && +document.body.getAttribute('data-updated') >= " + arg)
        elif kind == 'until':
            until(arg)
        elif kind == 'eval':
            print(json.dumps(ev(arg), separators=(',', ':')))
        elif kind == 'sh':
            subprocess.run(arg, shell=True, check=True)
        elif kind == 'shot':
            png = call('Page.captureScreenshot', {'format': 'png'})['data']
            with open(arg, 'wb') as f:
                f.write(base64.b64decode(png))
        elif kind == 'page':
            h = ev('Math.ceil(document.documentElement.scrollHeight)')
            call('Emulation.setDeviceMetricsOverride',
                 {'width': width, 'height': max(height, h), 'deviceScaleFactor': 1,
                  'mobile': width < 600})
            time.sleep(0.3)
            png = call('Page.captureScreenshot', {'format': 'png'})['data']
            with open(arg, 'wb') as f:
                f.write(base64.b64decode(png))
        else:
            sys.exit('cdp: unknown step ' + s)
        sys.stdout.flush()
finally:
    p.terminate()
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
