using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Entrance.Testing;

namespace Entrance.Router.Tests.Passthrough;

/// <summary>A backend that terminates TLS itself with its own certificate and echoes each line back, prefixed with its name.</summary>
public sealed class TlsEchoBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TestCertificate _certificate;
    private readonly string _name;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TlsEchoBackend(TestCertificate certificate, string name)
    {
        _certificate = certificate;
        _name = name;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"https://127.0.0.1:{Port}";

    public int Accepted;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref Accepted);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            await using var ssl = new SslStream(client.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate.Certificate }, _stop.Token);
            using var reader = new StreamReader(ssl);
            await using var writer = new StreamWriter(ssl) { AutoFlush = true };
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                await writer.WriteLineAsync($"{_name}: {line}");
            }
        }
        catch (Exception)
        {
            // A client gone or a failed handshake: nothing to serve.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
