using Entrance.Testing.Grpc;

// Usage: GrpcBackend <port>. Cleartext HTTP/2 only (an h2c:// backend) until killed.
await using var backend = await GrpcTestBackend.StartAsync("bench", port: int.Parse(args[0]));
Console.WriteLine(backend.Url);
await Task.Delay(Timeout.Infinite);
