namespace Entrance.Router.Tcp;

/// <summary>
/// Idle timeouts of all relays, checked by one timer every <see cref="Period"/> instead of a timer per connection: a
/// relay is closed between its idle timeout and that plus one period after its last byte. Registering is a lock and
/// two pointer writes, so short connections (a new connection per request) pay next to nothing for it.
/// </summary>
internal static class IdleSweeper
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private static readonly Lock Gate = new();
    private static Member? _head;
    private static Timer? _timer;

    /// <summary>One relay as the sweeper sees it: an intrusive list node with its last activity.</summary>
    internal abstract class Member(TimeSpan idleTimeout)
    {
        private readonly long _idleMs = (long)idleTimeout.TotalMilliseconds;
        private long _lastActivityMs = Environment.TickCount64;
        internal Member? Previous;
        internal Member? Next;
        internal bool Listed;

        /// <summary>Bytes moved: the idle clock starts again.</summary>
        public void Touch() => Volatile.Write(ref _lastActivityMs, Environment.TickCount64);

        internal bool IsIdle(long now) => _idleMs > 0 && now - Volatile.Read(ref _lastActivityMs) >= _idleMs;

        /// <summary>Called once, outside the sweeper's lock, when the idle timeout passed.</summary>
        protected abstract void OnIdle();

        internal void FireIdle() => OnIdle();

        internal bool WantsSweeping => _idleMs > 0;
    }

    public static void Add(Member member)
    {
        if (!member.WantsSweeping)
        {
            return;
        }

        lock (Gate)
        {
            member.Next = _head;
            if (_head is not null)
            {
                _head.Previous = member;
            }

            _head = member;
            member.Listed = true;
            _timer ??= new Timer(static _ => Sweep(), null, Period, Period);
        }
    }

    public static void Remove(Member member)
    {
        lock (Gate)
        {
            Unlink(member);
        }
    }

    private static void Unlink(Member member)
    {
        if (!member.Listed)
        {
            return;
        }

        if (member.Previous is not null)
        {
            member.Previous.Next = member.Next;
        }
        else
        {
            _head = member.Next;
        }

        if (member.Next is not null)
        {
            member.Next.Previous = member.Previous;
        }

        member.Previous = member.Next = null;
        member.Listed = false;
    }

    private static void Sweep()
    {
        List<Member>? idle = null;
        var now = Environment.TickCount64;
        lock (Gate)
        {
            for (var m = _head; m is not null;)
            {
                var next = m.Next;
                if (m.IsIdle(now))
                {
                    Unlink(m);
                    (idle ??= []).Add(m);
                }

                m = next;
            }
        }

        // Closing sockets outside the lock: new connections never wait on a sweep's system calls.
        if (idle is not null)
        {
            foreach (var m in idle)
            {
                m.FireIdle();
            }
        }
    }
}
