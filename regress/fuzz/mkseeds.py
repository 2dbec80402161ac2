#!/usr/bin/env python3
# Writes the generated seed inputs of regress/fuzz/{imsg,podspec,dispatch,
# instance} (the config corpus is copied from regress/config, the docker
# one recorded from a real engine, the definition one is the agent's).
# Run from the top:
#	python3 regress/fuzz/mkseeds.py
# The layouts follow common/imsg.h, common/podspec.c and riklet_msg.h;
# instance seeds are InstanceScheduling messages encoded by protoc.
import json, os, re, struct, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
# enum imsg_type, in order
with open(os.path.join(HERE, '..', '..', 'common', 'riklet_msg.h')) as f:
    ENUM = f.read().split('enum imsg_type {')[1].split('};')[0]
TYPES = re.findall(r'^\s*IMSG_(\w+)', ENUM, flags=re.M)
T = {n: i for i, n in enumerate(TYPES)}
AGENT, METRICS, RUNTIME, CONTROL = 0, 1, 2, 3


def put(corpus, name, data):
    d = os.path.join(HERE, corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def fixed(s, n):
    b = s.encode()
    assert len(b) < n
    return b + b'\0' * (n - len(b))


def imsg(type_, data=b'', pid=1234, fd=False):
    n = 16 + len(data)
    return struct.pack('=IIII', type_, n | (0x80000000 if fd else 0), 0,
                       pid) + data


def pstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack('=I', len(b)) + b


def podspec(instance='pod-1', name='web', policy=0, definition='{}',
            containers=(('web', 'busybox:latest', 0, 0, ['A=1'], [],
                         ['sleep', '60'], [(8080, 80, 0)]),),
            mounts=(), grace=None, volumes=()):
    """mounts: per container index, [(volume, path, readonly)];
    volumes: [(name, kind, path)], kind 0 emptyDir, 1 hostPath."""
    b = struct.pack('=I', 0x52494b31) + pstr(instance) + pstr(name)
    b += struct.pack('=I', policy) + pstr(definition)
    b += struct.pack('=I', len(containers))
    for i, (cname, image, mem, cpus, env, cmd, args, ports) in \
            enumerate(containers):
        b += pstr(cname) + pstr(image) + struct.pack('=IQQ', 0, mem, cpus)
        for v in (env, cmd, args):
            b += struct.pack('=I', len(v)) + b''.join(pstr(x) for x in v)
        b += struct.pack('=I', len(ports))
        for p in ports:
            b += struct.pack('=III', *p)
        m = mounts[i] if i < len(mounts) else []
        b += struct.pack('=I', len(m))
        for vol, path, ro in m:
            b += pstr(vol) + pstr(path) + struct.pack('=I', ro)
    b += struct.pack('=II', grace is not None, grace or 0)
    b += struct.pack('=I', len(volumes))
    for vname, kind, path in volumes:
        b += pstr(vname) + struct.pack('=I', kind) + pstr(path)
    return b


def rt_container(instance, name='web', state=1, index=0, n=1, exit_code=0,
                 cid='a' * 64, mem=0, nano=0, role=1, policy=0):
    """role: 0 a pod without infra, 1 a member, 2 the infra container."""
    return (fixed(instance, 128) + fixed('web', 64) + fixed(name, 64) +
            fixed(cid, 72) + fixed('busybox:latest', 256) +
            fixed('/sys/fs/cgroup/system.slice/docker-x.scope', 512) +
            struct.pack('=IiIiIII4xqqI4x', state, exit_code, 0, 4242, policy,
                        index, n, mem, nano, role))


def rt_result(instance, op=0, ok=1, reason='', message=''):
    return (fixed(instance, 128) + struct.pack('=II', op, ok) +
            fixed(reason, 64) + fixed(message, 1024))


def rt_engine(up=1):
    return (struct.pack('=I', up) + fixed('Docker', 16) +
            fixed('24.0.7', 32) + fixed('1.43', 32) + fixed('', 1024) +
            fixed('/var/lib/docker' if up else '', 1024))


def rt_gc_result(removed=2, nbytes=4096, message=''):
    return (struct.pack('=IIqQ', removed, 0, nbytes, 35) +
            fixed(message, 1024))


def rt_pull(instance, done=10, total=100, fin=0, elapsed=1500):
    return (fixed(instance, 128) + fixed('busybox:latest', 256) +
            struct.pack('=qqQI', done, total, elapsed, fin) + b'\0' * 4)


def rt_probe(instance, name='web', cid='a' * 64, role=0, ok=0, failures=1,
             unhealthy=0, message='HTTP 500'):
    return (fixed(instance, 128) + fixed(name, 64) + fixed(cid, 72) +
            struct.pack('=IIII', role, ok, failures, unhealthy) +
            fixed(message, 1024))


def agent_counters(reg=1, reconnects=0, sent=3, queued=0):
    return struct.pack('=QQQQ', reg, reconnects, sent, queued)


def agent_state(state, backoff=0, reason=''):
    return struct.pack('=II', state, backoff) + fixed(reason, 1024)


SIZES = {'rt_container': 1152, 'rt_result': 1224, 'rt_engine': 2132,
         'rt_gc_result': 1048,
         'rt_pull': 416, 'agent_state': 1032, 'agent_counters': 32}


def rec(child, type_, data):
    return struct.pack('=BBH', child, type_, len(data)) + data


for f, n in SIZES.items():
    assert len(globals()[f](*((1,) if f in ('rt_engine',
                                           'rt_gc_result') else
                              (0,) if f == 'agent_state' else
                              () if f == 'agent_counters' else
                              ('x',)))) == n, f

# imsg: framed streams, first byte is the piece size selector (see fuzz_imsg.c)
one = imsg(T['CHILD_READY'])
put('imsg', 'ready', b'\x00' + one)
put('imsg', 'ready-bytewise', b'\x00' + one * 3)
put('imsg', 'several', b'\x10' + one + imsg(T['MET_NODE'], b'{"cpu":1}\0') +
    imsg(T['POD_DESTROY'], b'pod-1\0'))
put('imsg', 'podcreate', b'\x40' + imsg(T['POD_CREATE'], podspec()))
put('imsg', 'withfd', b'\x01' + imsg(T['CONF'], b'x' * 40, fd=True))
put('imsg', 'fd-missing', b'\x00' + imsg(T['CONF'], b'', fd=True))
put('imsg', 'too-long', b'\x02' + struct.pack('=IIII', 1, 0x7fffffff, 0, 0))
put('imsg', 'too-short', b'\x02' + struct.pack('=IIII', 1, 8, 0, 0))
put('imsg', 'largest', b'\xff' + imsg(T['MET_NODE'],
                                       b'a' * (64 * 1024 - 17) + b'\0'))

# podspec: valid descriptions and a few broken ones
put('podspec', 'one', podspec())
put('podspec', 'two', podspec(instance='i-2', policy=2, containers=(
    ('a', 'nginx:1.25', 128 << 20, 500000000, ['A=1', 'B=2'], ['sh', '-c'],
     ['echo hi'], []),
    ('b', 'busybox', 0, 0, [], [], [], [(53, 53, 1)]))))
put('podspec', 'volumes', podspec(instance='i-3', grace=30, containers=(
    ('a', 'busybox', 0, 0, [], [], [], [(80, 8080, 0)]),
    ('b', 'busybox', 0, 0, [], [], [], [])),
    mounts=([('www', '/www', 0)], [('www', '/shared', 0), ('conf', '/etc/x', 1)]),
    volumes=(('www', 0, ''), ('conf', 1, '/srv/conf'))))
put('podspec', 'no-containers', podspec(containers=()))
put('podspec', 'bad-magic', b'XXXX' + podspec()[4:])
put('podspec', 'truncated', podspec()[:-3])
# image references (common/imageref.c): one of each part, and "..",
# which the engine's URL would have made /json
put('podspec', 'image-registry', podspec(containers=(
    ('a', 'localhost:5000/a__b/c-d.e:Tag_1@sha256:' + '0123456789abcdef' * 4,
     0, 0, [], [], [], []),
    ('b', '[::1]:5000/x', 0, 0, [], [], [], []))))
put('podspec', 'bad-image-dotdot', podspec(containers=(
    ('a', '..', 0, 0, [], [], [], []),)))

# dispatch: sequences of child messages (see fuzz_dispatch.c)
I = 'pod-1'
create = rec(AGENT, T['POD_CREATE'], podspec(instance=I))
put('dispatch', 'agent-states',
    rec(AGENT, T['AGENT_STATE'], agent_state(1, 250, 'connecting')) +
    rec(AGENT, T['AGENT_STATE'], agent_state(2)) +
    rec(AGENT, T['SCHED_RESOLVE'], b'') +
    rec(AGENT, T['AGENT_STATE'], agent_state(0, 1000, 'gone')))
put('dispatch', 'create-run-destroy',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) +
    rec(AGENT, T['AGENT_STATE'], agent_state(2)) + create +
    rec(RUNTIME, T['RT_PULL'], rt_pull(I)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I)) +
    rec(METRICS, T['MET_POD_SAMPLES'], fixed(I, 128) + b'{"cpu":{}}\0' +
        fixed('pod-2', 128) + b'{"memory":{}}\0') +
    rec(METRICS, T['MET_NODE'], b'{"cpu":{"totalCpu":2}}\0') +
    rec(RUNTIME, T['RT_GC_RESULT'], rt_gc_result()) +
    rec(AGENT, T['POD_DESTROY'], I.encode() + b'\0') +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I, state=3)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I, op=1)))
put('dispatch', 'create-fail',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) + create +
    rec(RUNTIME, T['RT_POD_RESULT'],
        rt_result(I, ok=0, reason='ImagePullFailed', message='no such')))
put('dispatch', 'crash-restart',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) + create +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I, state=2, exit_code=137)))
# A pod with its infra container: it dies, the pod restarts whole.
infra = rt_container(I, name='pod', cid='c' * 64, role=2, policy=2)
put('dispatch', 'infra-restart',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) + create +
    rec(RUNTIME, T['RT_CONTAINER'], infra) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I, name='pod', state=2,
                                                 exit_code=137, cid='c' * 64,
                                                 role=2, policy=2)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I, op=2)) +
    rec(RUNTIME, T['RT_CONTAINER'], infra) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I, op=2, ok=0,
                                               reason='PortInUse',
                                               message='node port 80')))
put('dispatch', 'listing-infra',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) +
    rec(RUNTIME, T['RT_LIST_BEGIN'], b'') +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('adopted-2', index=0, n=1)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('adopted-2', name='pod',
                                                 state=2, cid='d' * 64,
                                                 role=2, policy=2)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('half-2', index=0, n=2)) +
    rec(RUNTIME, T['RT_LIST_END'], b''))
put('dispatch', 'listing',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) +
    rec(RUNTIME, T['RT_LIST_BEGIN'], b'') +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('adopted-1', index=0, n=2)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('adopted-1', name='side',
                                                 index=1, n=2, cid='b' * 64)) +
    rec(RUNTIME, T['RT_LIST_END'], b'') +
    rec(RUNTIME, T['RT_ENGINE'], rt_engine(0)))
put('dispatch', 'control',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) + create +
    rec(CONTROL, T['CTL_SHOW_STATUS'], b'') +
    rec(CONTROL, T['CTL_SHOW_PODS'], b'') +
    rec(CONTROL, T['CTL_SHOW_POD'], I.encode() + b'\0') +
    rec(CONTROL, T['CTL_SHOW_METRICS'], b'') +
    rec(CONTROL, T['CTL_LOG_VERBOSE'], struct.pack('=i', 0)) +
    rec(CONTROL, T['CTL_RELOAD'], b''))
# The Prometheus endpoint: the agent's counters (going back is a
# violation), a pull that ends, a restart, a scrape.
put('dispatch', 'prom',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) + create +
    rec(AGENT, T['AGENT_COUNTERS'], agent_counters()) +
    rec(RUNTIME, T['RT_PULL'], rt_pull(I, done=100, fin=1)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I, state=2, exit_code=1)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I)) +
    rec(CONTROL, T['CTL_SHOW_PROM'], b'') +
    rec(AGENT, T['AGENT_COUNTERS'], agent_counters(reg=0)) +
    rec(AGENT, T['AGENT_COUNTERS'], agent_counters(queued=1 << 20)))
# A probe fails, then the container is unhealthy and dies: Unhealthy.
put('dispatch', 'probe-unhealthy',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) + create +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I)) +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I)) +
    rec(RUNTIME, T['RT_PROBE'], rt_probe(I)) +
    rec(RUNTIME, T['RT_PROBE'], rt_probe(I, role=2, ok=1, failures=0)) +
    rec(RUNTIME, T['RT_PROBE'], rt_probe(I, failures=3, unhealthy=1,
                                         message='liveness probe failed')) +
    rec(CONTROL, T['CTL_SHOW_POD'], I.encode() + b'\0') +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container(I, state=2, exit_code=143)) +
    rec(RUNTIME, T['RT_PROBE'], rt_probe(I, role=3)) +
    rec(RUNTIME, T['RT_PROBE'], b'\0' * 10))
put('dispatch', 'bad-sizes',
    rec(AGENT, T['AGENT_STATE'], b'\x01') +
    rec(METRICS, T['MET_NODE'], b'no nul') +
    rec(RUNTIME, T['RT_CONTAINER'], b'\0' * 100) +
    rec(AGENT, T['POD_DESTROY'], b'../etc\0'))

# Found by fuzz_dispatch: a runtime's CPU or memory limits that overflow
# when the parent adds up a pod's (riklet-parent/pods.c, reported).
big = 0x6000000000000000
put('dispatch', 'crash-pod-limits-overflow',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) +
    rec(RUNTIME, T['RT_LIST_BEGIN'], b'') +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('big-1', index=0, n=2,
                                                 mem=big, nano=big)) +
    rec(RUNTIME, T['RT_CONTAINER'], rt_container('big-1', name='side',
                                                 index=1, n=2, cid='b' * 64,
                                                 mem=big, nano=big)) +
    rec(RUNTIME, T['RT_LIST_END'], b''))

# The parent's queue of operations for the runtime (riklet-parent/runq.c):
# more creates than the runtime takes at once, a Busy answer tried again,
# a new runtime handed the sent ones again, a destroy overtaking a create
# that waits.
burst = rec(RUNTIME, T['RT_ENGINE'], rt_engine())
for i in range(260):
    burst += rec(AGENT, T['POD_CREATE'], podspec(instance='b%d' % i))
burst += (rec(RUNTIME, T['RT_POD_RESULT'],
              rt_result('b0', ok=0, reason='Busy', message='queue full')) +
          rec(RUNTIME, T['RT_POD_RESULT'], rt_result('b1')) +
          rec(AGENT, T['POD_DESTROY'], b'b259\0') +
          rec(RUNTIME, T['CHILD_READY'], b'') +
          rec(RUNTIME, T['RT_POD_RESULT'], rt_result('b2', ok=0,
                                                     reason='ImagePullFailed',
                                                     message='no such')) +
          rec(RUNTIME, T['RT_POD_RESULT'], rt_result('b259', op=1)))
put('dispatch', 'burst-window', burst)

# DESTROYs of unknown instances: before the engine's listing they go to
# the runtime, after it they are answered at once; ended pods are freed
# once the agent has their last status.
put('dispatch', 'unknown-destroys',
    rec(RUNTIME, T['RT_ENGINE'], rt_engine()) +
    rec(AGENT, T['POD_DESTROY'], b'early-1\0') +
    rec(AGENT, T['POD_DESTROY'], b'early-2\0') +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result('early-1', op=1)) +
    rec(RUNTIME, T['RT_POD_RESULT'],
        rt_result('early-2', op=1, ok=0, reason='EngineUnavailable',
                  message='down')) +
    rec(RUNTIME, T['RT_LIST_BEGIN'], b'') +
    rec(RUNTIME, T['RT_LIST_END'], b'') +
    b''.join(rec(AGENT, T['POD_DESTROY'], b'gone-%d\0' % i)
             for i in range(20)) +
    rec(AGENT, T['CHILD_READY'], b'') +
    rec(AGENT, T['AGENT_STATE'], agent_state(2)) + create +
    rec(RUNTIME, T['RT_POD_RESULT'],
        rt_result(I, ok=0, reason='ImagePullFailed', message='no such')) +
    create + rec(AGENT, T['POD_DESTROY'], I.encode() + b'\0') +
    rec(RUNTIME, T['RT_POD_RESULT'], rt_result(I, op=1)) +
    # The agent killed for a bad message: ended pods wait for it.
    rec(AGENT, T['AGENT_STATE'], b'\x01') +
    b''.join(rec(AGENT, T['POD_CREATE'], podspec(instance='p9')) +
             rec(RUNTIME, T['RT_POD_RESULT'],
                 rt_result('p9', ok=0, reason='ImagePullFailed',
                           message='no such')) for _ in range(2)) +
    rec(AGENT, T['POD_DESTROY'], b'p9\0'))

# instance: InstanceScheduling, wrapping the agent's valid definitions.
def instance(name, iid, definition, action):
    text = 'instance_id: %s\ndefinition: %s\naction: %s\n' % (
        json.dumps(iid), json.dumps(definition), action)
    top = os.path.join(HERE, '..', '..')
    out = subprocess.run(['protoc', '-I' + os.path.join(top, 'proto'),
                          '-I/usr/include', '--encode=worker.InstanceScheduling',
                          os.path.join(top, 'proto', 'worker.proto')],
                         input=text.encode(), capture_output=True,
                         check=True).stdout
    put('instance', name, out)


DEFS = os.path.join(HERE, 'definition')
for i, f in enumerate(sorted(f for f in os.listdir(DEFS)
                             if f.startswith('ok-'))[:4]):
    with open(os.path.join(DEFS, f)) as d:
        instance('create-' + f[:-len('.json')], 'pod-%d' % i, d.read(),
                 'CREATE')
instance('destroy', 'pod-1', '', 'DESTROY')
instance('bad-id', '../x', '{}', 'CREATE')
instance('bad-id-control', 'a\x01b', '{}', 'CREATE')
instance('unknown-action', 'pod-2', '{}', '7')
instance('bad-definition', 'pod-3', '{"spec":', 'CREATE')
# Under the definition's cap, over the parent's message size once encoded:
# the definition travels with the words parsed out of it, and an empty
# word is 3 bytes of JSON but 4 of length in the encoding.
instance('too-large', 'pod-4', json.dumps({'spec': {'containers': [
    {'name': 'c%d' % i, 'image': 'busybox', 'command': [''] * 64,
     'args': [''] * 63 + ['a' * 1600]} for i in range(16)]}},
    separators=(',', ':')), 'CREATE')
